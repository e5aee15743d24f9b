"""Filled by the reports stream."""

urlpatterns: list = []
