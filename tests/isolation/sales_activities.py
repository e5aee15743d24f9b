"""Tenant A's activities (and a deal of their own, since sales_deals builds after this
module) for the isolation walker and the role matrix."""

from __future__ import annotations

from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from django.utils import timezone

    from crm.core.models import Membership
    from crm.core.roles import Role
    from sales.activities import services
    from sales.deals import services as deal_services

    owner = Membership.objects.filter(tenant=tenant, role=Role.OWNER).first()
    assert owner is not None
    ns.activity_deal = deal_services.deal_create(
        tenant=tenant,
        name=f"{MARKER} activity deal",
        contacts=[ns.contact.pk] if getattr(ns, "contact", None) else [],
    )
    ns.activity = services.activity_create(
        tenant=tenant,
        actor=owner.user,
        kind="visit",
        subject=f"{MARKER} visit",
        place=MARKER,
        notes=MARKER,
        starts_at=timezone.now(),
        deal=ns.activity_deal.pk,
        contact=ns.contact.pk if getattr(ns, "contact", None) else None,
    )
    ns.done_activity = services.activity_create(
        tenant=tenant,
        actor=owner.user,
        kind="task",
        subject=f"{MARKER} done task",
        starts_at=timezone.now(),
    )
    services.activity_complete(tenant=tenant, activity=ns.done_activity, actor=owner.user)
    _token, ns.feed_token = services.feed_token_create(tenant=tenant, user=owner.user)


ROUTES = {
    "sales:activity_detail": lambda ns: {"activity_id": ns.activity.pk},
    "sales:activity_edit": lambda ns: {"activity_id": ns.activity.pk},
    "sales:activity_delete": lambda ns: {"activity_id": ns.activity.pk},
    "sales:activity_complete": lambda ns: {"activity_id": ns.activity.pk},
    "sales:activity_reopen": lambda ns: {"activity_id": ns.done_activity.pk},
    "sales:deal_activities": lambda ns: {"deal_id": ns.activity_deal.pk},
    "sales:calendar_feed": lambda ns: {"token": ns.feed_token},
    "activity-detail": lambda ns: {"pk": ns.activity.pk},
    "activity-complete": lambda ns: {"pk": ns.activity.pk},
}
