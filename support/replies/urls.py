"""Pages of support.replies under /support/ (namespace "support")."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
