"""Contact tasks: thin doors into contacts.services."""

from __future__ import annotations

from celery import shared_task

from crm.core import context
from crm.core.tasks import TenantTask, enqueue_for_every_tenant


@shared_task(name="contacts.tasks.purge_deleted", base=TenantTask)
def purge_deleted(*, tenant_id: int) -> dict[str, int]:
    """One tenant: hard-delete what was soft-deleted more than 30 days ago (set-based)."""
    from .services import purge_deleted as purge

    return purge(tenant=context.require_tenant())


@shared_task(name="contacts.tasks.purge_deleted_all_tenants")
def purge_deleted_all_tenants() -> int:
    """Beat entry point: one purge task per tenant, each running inside its own tenant.
    The tenant table itself is not tenant-owned, so listing ids needs no tenant."""
    return enqueue_for_every_tenant(purge_deleted)
