"""Tenant A's sales target for the isolation walker and the role matrix (the forecast pages
and endpoints take no URL parameters; their own isolation tests are in
tests/sales/test_forecast_api.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any


def build(tenant: Any, ns: Any) -> None:
    from crm.core.models import Membership
    from sales.forecast.models import SalesTarget

    owner = Membership.objects.filter(tenant=tenant).order_by("id").first()
    assert owner is not None
    ns.target = SalesTarget.objects.create(
        tenant=tenant, user_id=owner.user_id, month=dt.date(2026, 4, 1), amount=3_000_000
    )


ROUTES = {
    "target-detail": lambda ns: {"pk": ns.target.pk},
}
