"""Celery tasks of the SLA part: thin doors into services.sla_scan.

Beat sends `scan_all_tenants` every minute; it enqueues one `scan` per tenant, and each
marks its due targets with UPDATE … RETURNING, so overlapping runs never notify twice."""

from __future__ import annotations

from celery import shared_task

from crm.core import context
from crm.core.tasks import TenantTask, enqueue_for_every_tenant


@shared_task(name="support.sla.tasks.scan", base=TenantTask)
def scan(*, tenant_id: int) -> int:
    from .services import sla_scan

    return len(sla_scan(tenant=context.require_tenant()))


@shared_task(name="support.sla.tasks.scan_all_tenants")
def scan_all_tenants() -> int:
    """Beat entry point: one scan per tenant, each inside its own tenant. Only tenants
    with an SLA policy have anything to scan; the policy table is tenant-owned (RLS), so
    the tenant list is the plain one."""
    return enqueue_for_every_tenant(scan)
