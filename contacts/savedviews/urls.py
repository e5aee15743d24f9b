"""Pages under /contacts/views/ (included from contacts/urls.py, namespace "contacts")."""

from django.urls import path

from . import views

urlpatterns = [
    path("new/", views.savedview_create, name="savedview_create"),
    path("<int:view_id>/edit/", views.savedview_edit, name="savedview_edit"),
    path("<int:view_id>/update/", views.savedview_update, name="savedview_update"),
    path("<int:view_id>/delete/", views.savedview_delete, name="savedview_delete"),
]
