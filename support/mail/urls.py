"""Pages of support.mail under /support/ (namespace "support")."""

from django.urls import path

from . import views

urlpatterns = [
    path("settings/mail/", views.mail_settings, name="mail_settings"),
]
