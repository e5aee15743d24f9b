"""API routes of support.mail under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "support/inbound-mail/",
        api.InboundMailWebhook.as_view(),
        name="support-inbound-mail",
    ),
]
