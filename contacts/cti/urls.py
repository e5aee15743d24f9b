"""/settings/cti/... (included from crm/core/urls_settings.py; namespace "settings")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.cti_settings, name="cti"),
    path("secret/", views.cti_secret, name="cti_secret"),
    path(
        "extensions/<int:extension_id>/delete/",
        views.cti_extension_delete,
        name="cti_extension_delete",
    ),
]
