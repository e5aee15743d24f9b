"""API routes under /api/v1/ (included from sales/api_urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
