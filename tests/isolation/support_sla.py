"""Tenant A's SLA calendar (with a holiday) and policy for the isolation walker and the
role matrix."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from support.sla import services

    ns.sla_calendar = services.calendar_create(
        tenant=tenant,
        name=f"{MARKER} calendar",
        blocks=[(0, dt.time(9), dt.time(12)), (0, dt.time(13), dt.time(18))],
    )
    ns.sla_holiday = services.holiday_add(
        tenant=tenant,
        calendar=ns.sla_calendar,
        name=f"{MARKER} holiday",
        start_date=dt.date(2026, 12, 29),
        end_date=dt.date(2027, 1, 3),
    )
    ns.sla_policy = services.policy_create(
        tenant=tenant,
        data=services.PolicyData(
            name=f"{MARKER} policy",
            first_response_minutes=60,
            resolution_minutes=480,
            calendar=ns.sla_calendar,
        ),
    )


def _calendar(ns: Any) -> dict[str, int]:
    return {"calendar_id": ns.sla_calendar.pk}


ROUTES = {
    "support:sla_calendar_edit": _calendar,
    "support:sla_calendar_delete": _calendar,
    "support:sla_holiday_add": _calendar,
    "support:sla_holiday_import": _calendar,
    "support:sla_holiday_delete": lambda ns: {
        "calendar_id": ns.sla_calendar.pk,
        "holiday_id": ns.sla_holiday.pk,
    },
    "support:sla_policy_edit": lambda ns: {"policy_id": ns.sla_policy.pk},
    "support:sla_policy_delete": lambda ns: {"policy_id": ns.sla_policy.pk},
    "business-calendar-detail": lambda ns: {"pk": ns.sla_calendar.pk},
    "sla-policy-detail": lambda ns: {"pk": ns.sla_policy.pk},
}
