"""Celery tasks of activities: thin doors into services.send_due_reminders.

Beat sends `send_due_reminders_all_tenants` every minute; it enqueues one task per tenant,
and each claims its due rows with SKIP LOCKED, so overlapping runs never remind twice."""

from __future__ import annotations

from celery import shared_task

from crm.core import context
from crm.core.tasks import TenantTask, enqueue_for_every_tenant


@shared_task(name="sales.activities.tasks.send_due_reminders", base=TenantTask)
def send_due_reminders(*, tenant_id: int) -> int:
    from .services import send_due_reminders as run

    return run(tenant=context.require_tenant())


@shared_task(name="sales.activities.tasks.send_due_reminders_all_tenants")
def send_due_reminders_all_tenants() -> int:
    """Beat entry point: one reminder task per tenant, each inside its own tenant. The
    tenant table is not tenant-owned, so listing ids needs no tenant."""
    return enqueue_for_every_tenant(send_due_reminders)
