"""Reads of support.mail."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from crm.core.models import Tenant

from .models import OutboundMail


def outbox_recent(*, tenant: Tenant, limit: int = 20) -> QuerySet[OutboundMail]:
    """The newest outbox rows with their ticket (one query)."""
    return (
        OutboundMail.objects.filter(tenant=tenant).select_related("ticket").order_by("-id")[:limit]
    )


def ticket_outbox(*, tenant: Tenant, ticket: Any, limit: int = 5) -> list[OutboundMail]:
    """The ticket's newest outgoing mails (one query), for the detail page's mail panel."""
    return list(
        OutboundMail.objects.filter(tenant=tenant, ticket=ticket)
        .only("id", "kind", "to_address", "status", "last_error", "created_at", "sent_at")
        .order_by("-id")[:limit]
    )
