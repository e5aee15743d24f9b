"""Reads of support.mail."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.core.models import Tenant

from .models import OutboundMail


def outbox_recent(*, tenant: Tenant, limit: int = 20) -> QuerySet[OutboundMail]:
    """The newest outbox rows with their ticket (one query)."""
    return (
        OutboundMail.objects.filter(tenant=tenant).select_related("ticket").order_by("-id")[:limit]
    )
