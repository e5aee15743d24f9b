"""Sales API routes under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("sales.deals.api_urls")),
    path("", include("sales.catalog.api_urls")),
    path("", include("sales.activities.api_urls")),
    path("", include("sales.reports.api_urls")),
    path("", include("sales.forecast.api_urls")),
]
