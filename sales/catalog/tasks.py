"""Thin: the order import job runs in its tenant (TenantTask) on the imports queue."""

from __future__ import annotations

from celery import shared_task

from crm.core.context import require_tenant
from crm.core.tasks import TenantTask


@shared_task(name="sales.catalog.tasks.import_orders_job", base=TenantTask, queue="imports")
def import_orders_job(*, tenant_id: int, job_id: int) -> None:
    from .import_jobs import import_job_run

    import_job_run(tenant=require_tenant(), job_id=job_id)
