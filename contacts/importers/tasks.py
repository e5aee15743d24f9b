"""Thin: the import job runs in the tenant it belongs to (TenantTask) on the imports queue."""

from __future__ import annotations

from celery import shared_task

from crm.core.context import require_tenant
from crm.core.tasks import TenantTask


@shared_task(
    name="contacts.importers.tasks.import_contacts_job",
    base=TenantTask,
    queue="imports",
    # A long import may outlive the default limits; the job row records a failure.
    time_limit=2 * 60 * 60,
    soft_time_limit=2 * 60 * 60 - 60,
)
def import_contacts_job(*, tenant_id: int, job_id: int) -> None:
    from .services import import_run

    import_run(tenant=require_tenant(), job_id=job_id)
