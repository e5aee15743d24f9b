"""Filled by the forecast stream."""

urlpatterns: list = []
