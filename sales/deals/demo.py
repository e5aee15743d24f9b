"""Demo deals: the default pipeline and a couple of dozen deals spread over its stages, on
the demo companies and contacts (a handful of service calls, not a bulk path)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from contacts.models import Contact
from crm.core.models import Membership, Tenant

from . import services
from .models import Deal, Stage

DEMO_DEALS = 24
_NAMES = (
    "基幹システム更新",
    "営業支援ツール導入",
    "保守契約更新",
    "工場IoT化",
    "Web刷新",
    "研修パッケージ",
)


def seed_deals(*, tenant: Tenant, **_: Any) -> None:
    pipeline = services.pipeline_default(tenant=tenant)
    if Deal.objects.filter(tenant=tenant).exists():
        return
    stages = list(Stage.objects.filter(tenant=tenant, pipeline=pipeline).order_by("position"))
    owners = list(
        Membership.objects.filter(tenant=tenant, is_active=True).values_list("user_id", flat=True)
    )
    contacts = list(
        Contact.objects.filter(tenant=tenant, deleted_at=None, company__isnull=False).order_by(
            "id"
        )[:DEMO_DEALS]
    )
    today = timezone.localdate()
    for index in range(min(DEMO_DEALS, max(len(contacts), 6))):
        contact = contacts[index] if index < len(contacts) else None
        stage = stages[index % len(stages)]
        services.deal_create(
            tenant=tenant,
            name=f"{_NAMES[index % len(_NAMES)]} #{index + 1}",
            company=contact.company_id if contact else None,
            contacts=[contact.pk] if contact else [],
            owner=owners[index % len(owners)] if owners else None,
            amount=(index % 7 + 1) * 850_000,
            expected_close_date=today + dt.timedelta(days=15 * (index % 6)),
            stage=stage.pk,
            pipeline=pipeline.pk,
            lost_reason="価格" if stage.kind == "lost" else "",
            tags=["展示会"] if index % 3 == 0 else [],
        )
