"""Daily report tasks: thin doors into sales.reports.services."""

from __future__ import annotations

from celery import shared_task
from django.utils.dateparse import parse_datetime

from crm.core import context
from crm.core.tasks import TenantTask, enqueue_for_every_tenant


@shared_task(name="sales.reports.tasks.remind_missing_reports", base=TenantTask)
def remind_missing_reports(*, tenant_id: int, now: str | None = None) -> int:
    """One tenant: remind who has not submitted today's report. `now` (ISO 8601) stands in
    for the clock, for tests and for re-running a missed evening by hand."""
    from .services import remind_missing_reports as remind

    moment = parse_datetime(now) if now else None
    return remind(tenant=context.require_tenant(), now=moment)


@shared_task(name="sales.reports.tasks.remind_missing_reports_all_tenants")
def remind_missing_reports_all_tenants() -> int:
    """Beat entry point (every 15 minutes): one task per tenant, each inside its tenant."""
    return enqueue_for_every_tenant(remind_missing_reports)
