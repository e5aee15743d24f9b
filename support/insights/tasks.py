"""Celery tasks of the analytics rollup: thin doors into rollup.rollup_refresh.

Beat sends `rollup_refresh_all_tenants` (crm/settings.py, every 10 minutes); it enqueues one
`rollup_refresh` per tenant, each inside its tenant. A refresh with nothing to do costs a
few small queries; overlapping refreshes of one tenant wait for each other (row lock)."""

from __future__ import annotations

from celery import shared_task

from crm.core import context
from crm.core.tasks import TenantTask, enqueue_for_every_tenant


@shared_task(name="support.insights.tasks.rollup_refresh", base=TenantTask)
def rollup_refresh(*, tenant_id: int, full: bool = False) -> int:
    from .rollup import rollup_refresh as refresh

    return refresh(tenant=context.require_tenant(), full=full).days


@shared_task(name="support.insights.tasks.rollup_refresh_all_tenants")
def rollup_refresh_all_tenants() -> int:
    """Beat entry point: one refresh per tenant, each inside its own tenant."""
    return enqueue_for_every_tenant(rollup_refresh)
