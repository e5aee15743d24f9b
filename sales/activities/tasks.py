"""Celery tasks of activities (filled by its stream)."""
