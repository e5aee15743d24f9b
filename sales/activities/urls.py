"""Filled by the activities stream."""

urlpatterns: list = []
