"""Thin: an export job runs in the tenant it belongs to (TenantTask) on the imports queue
(the queue for bulk file jobs)."""

from __future__ import annotations

from celery import shared_task

from crm.core.context import require_tenant
from crm.core.tasks import TenantTask, enqueue_for_every_tenant


@shared_task(
    name="contacts.exports.tasks.export_contacts_job",
    base=TenantTask,
    queue="imports",
    time_limit=2 * 60 * 60,
    soft_time_limit=2 * 60 * 60 - 60,
)
def export_contacts_job(*, tenant_id: int, job_id: int) -> None:
    from .services import export_run

    export_run(tenant=require_tenant(), job_id=job_id)


@shared_task(name="contacts.exports.tasks.delete_old_exports", base=TenantTask)
def delete_old_exports(*, tenant_id: int) -> int:
    from .services import export_delete_expired

    return export_delete_expired(tenant=require_tenant())


@shared_task(name="contacts.exports.tasks.delete_old_exports_all_tenants")
def delete_old_exports_all_tenants() -> int:
    """Beat entry point: one clean-up task per tenant, each inside its own tenant. The
    tenant table itself is not tenant-owned, so listing ids needs no tenant."""
    return enqueue_for_every_tenant(delete_old_exports)
