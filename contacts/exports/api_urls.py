"""API routes under /api/v1/ (included from contacts/api/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
