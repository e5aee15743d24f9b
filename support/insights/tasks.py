"""Celery tasks of the analytics rollup: thin doors into rollup.rollup_refresh.

Beat sends `rollup_refresh_all_tenants` (crm/settings.py, every 10 minutes); it enqueues one
`rollup_refresh` per tenant, each inside its tenant. A refresh with nothing to do costs a
few small queries; overlapping refreshes of one tenant wait for each other (row lock)."""

from __future__ import annotations

from celery import shared_task

from crm.core import context
from crm.core.tasks import TenantTask


@shared_task(name="support.insights.tasks.rollup_refresh", base=TenantTask)
def rollup_refresh(*, tenant_id: int, full: bool = False) -> int:
    from .rollup import rollup_refresh as refresh

    return refresh(tenant=context.require_tenant(), full=full).days


@shared_task(name="support.insights.tasks.rollup_refresh_all_tenants")
def rollup_refresh_all_tenants() -> int:
    from crm.core.models import Tenant

    ids = list(Tenant.objects.values_list("id", flat=True))
    for tenant_id in ids:
        rollup_refresh.apply_async(kwargs={"tenant_id": tenant_id})
    return len(ids)
