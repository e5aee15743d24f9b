"""Pages under /contacts/exports/ (included from contacts/urls.py, namespace "contacts")."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
