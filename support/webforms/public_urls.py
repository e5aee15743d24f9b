"""Public pages of support.webforms under /portal/<tenant slug>/ (namespace "portal"), no login."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
