"""Dashboard and notification pages (filled by the dashboards stream)."""

urlpatterns: list = []
