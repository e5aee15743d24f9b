"""Under /contacts/import/ (included from contacts/urls.py, namespace "contacts")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_upload, name="import_upload"),
    path("<int:job_id>/mapping/", views.import_mapping, name="import_mapping"),
    path("<int:job_id>/preview/", views.import_preview, name="import_preview"),
    path("<int:job_id>/", views.import_status, name="import_status"),
    path("<int:job_id>/progress/", views.import_progress, name="import_progress"),
    path("<int:job_id>/errors.csv", views.import_errors, name="import_errors"),
    path("<int:job_id>/undo/", views.import_undo, name="import_undo"),
]
