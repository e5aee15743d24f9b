"""Every app's API routes under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("crm.core.api.urls")),
    path("", include("crm.core.dashboards.api_urls")),
    path("", include("contacts.api.urls")),
    path("cti/", include("contacts.cti.urls_api")),
    path("", include("sales.api_urls")),
    path("", include("support.api_urls")),
]
