"""Support API routes under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("support.tickets.api_urls")),
    path("", include("support.mail.api_urls")),
    path("", include("support.sla.api_urls")),
    path("", include("support.webforms.api_urls")),
    path("", include("support.kb.api_urls")),
    path("", include("support.replies.api_urls")),
    path("", include("support.csat.api_urls")),
    path("", include("support.insights.api_urls")),
]
