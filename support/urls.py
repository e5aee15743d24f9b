"""Support pages under /support/ (namespace "support"), one module per concern."""

from django.urls import include, path

urlpatterns = [
    path("", include("support.tickets.urls")),
    path("", include("support.mail.urls")),
    path("", include("support.sla.urls")),
    path("", include("support.webforms.urls")),
    path("", include("support.kb.urls")),
    path("", include("support.replies.urls")),
    path("", include("support.csat.urls")),
    path("", include("support.insights.urls")),
]
