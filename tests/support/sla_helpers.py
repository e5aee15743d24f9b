"""Builders for the SLA tests: an office calendar with a lunch break and policies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

from crm.core.context import tenant_context
from support.sla import services

T = dt.time
LUNCH_WEEK = [(d, T(9), T(12)) for d in range(5)] + [(d, T(13), T(18)) for d in range(5)]


def make_calendar(tenant: Any, name: str = "本社", **kw: Any) -> Any:
    kw.setdefault("blocks", LUNCH_WEEK)
    with tenant_context(tenant):
        return services.calendar_create(tenant=tenant, name=name, **kw)


def make_policy(tenant: Any, calendar: Any = None, **kw: Any) -> Any:
    with tenant_context(tenant):
        calendar = calendar or services.default_calendar(tenant=tenant)
        kw.setdefault("name", "標準")
        kw.setdefault("first_response_minutes", 60)
        kw.setdefault("resolution_minutes", 8 * 60)
        return services.policy_create(
            tenant=tenant, data=services.PolicyData(calendar=calendar, **kw)
        )


@contextmanager
def frozen(moment: dt.datetime) -> Iterator[None]:
    """The application's clock (django.utils.timezone.now, which auto_now fields and the
    services read) stands at `moment`."""
    with patch("django.utils.timezone.now", return_value=moment):
        yield
