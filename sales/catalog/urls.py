"""Pages under /sales/ (included from sales/urls.py, namespace "sales")."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
