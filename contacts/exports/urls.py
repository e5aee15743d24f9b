"""Pages under /contacts/exports/ (included from contacts/urls.py, namespace "contacts")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.export_start, name="export"),
    path("<int:job_id>/", views.export_status, name="export_status"),
    path("<int:job_id>/progress/", views.export_progress, name="export_progress"),
    path("<int:job_id>/download/", views.export_download, name="export_download"),
]
