"""Celery tasks of reports (filled by its stream)."""
