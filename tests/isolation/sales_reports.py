"""Tenant A's daily report (submitted, with a comment) for the isolation walker and the
role matrix."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from crm.core.models import Membership
    from crm.core.roles import Role
    from sales.reports import services

    author = Membership.objects.filter(tenant=tenant, role=Role.OWNER).select_related("user")
    owner = author.first().user  # type: ignore[union-attr]
    ns.daily_report = services.report_create(
        tenant=tenant,
        author=owner,
        date=services.tenant_today(tenant) - dt.timedelta(days=1),
        did=f"{MARKER} visited",
        plan_tomorrow=f"{MARKER} plan",
        submit=True,
    )
    services.comment_add(tenant=tenant, report=ns.daily_report, author=owner, body=f"{MARKER} note")


ROUTES = {
    "sales:report_detail": lambda ns: {"report_id": ns.daily_report.pk},
    "sales:report_comment": lambda ns: {"report_id": ns.daily_report.pk},
    "sales:report_read": lambda ns: {"report_id": ns.daily_report.pk},
    "daily-report-detail": lambda ns: {"pk": ns.daily_report.pk},
    "daily-report-comments": lambda ns: {"pk": ns.daily_report.pk},
    "daily-report-mark-read": lambda ns: {"pk": ns.daily_report.pk},
}
