"""Sales pages under /sales/ (namespace "sales"), one module per concern."""

from django.urls import include, path

urlpatterns = [
    path("", include("sales.deals.urls")),
    path("", include("sales.catalog.urls")),
    path("", include("sales.activities.urls")),
    path("", include("sales.reports.urls")),
    path("", include("sales.forecast.urls")),
]
