"""Dashboard and notification API (filled by the dashboards stream)."""

urlpatterns: list = []
