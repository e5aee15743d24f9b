"""Task base: tasks take `tenant_id` explicitly and run inside that tenant, nothing else.

Each task body runs in a fresh copy of an empty context, so a task can never inherit the
tenant of the task the worker ran before it; a TenantTask called without `tenant_id`
raises before touching the database."""

from __future__ import annotations

import contextvars
from typing import Any

from celery import Task, shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from . import context


class TenantTask(Task):
    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.copy_context().run(self._run_in_tenant, args, kwargs)

    def _run_in_tenant(self, args: tuple, kwargs: dict) -> Any:
        from .models import Tenant

        context.reset_all()
        tenant_id = kwargs.get("tenant_id")
        if tenant_id is None:
            raise context.NoTenantError(f"task {self.name} needs tenant_id=")
        tenant = Tenant.objects.get(pk=tenant_id)
        with context.tenant_context(tenant):
            return self.run(*args, **kwargs)


def enqueue_on_commit(task: Task, **kwargs: Any) -> None:
    """Send the task once the current transaction commits (never for rolled-back work)."""
    transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))


def enqueue_for_every_tenant(task: Task) -> int:
    """What a beat entry point does: one `task(tenant_id=…)` per tenant, each then running
    inside its own tenant (TenantTask). The tenant table is not tenant-owned, so listing the
    ids needs no tenant. Returns how many were sent."""
    from .models import Tenant

    ids = list(Tenant.objects.values_list("id", flat=True))
    for tenant_id in ids:
        task.apply_async(kwargs={"tenant_id": tenant_id})
    return len(ids)


HEARTBEAT_KEY = "crm:worker-heartbeat"


@shared_task(name="crm.core.tasks.heartbeat")
def heartbeat() -> str:
    """Proof of life for /healthz: beat sends it, a worker runs it."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=300)
    return now


@shared_task(name="crm.core.tasks.whoami", base=TenantTask)
def whoami(*, tenant_id: int) -> int:
    """Reports the tenant the task ran in; used by the tenancy tests of the task base."""
    return context.require_tenant().pk


@shared_task(name="crm.core.tasks.audit_ping", base=TenantTask)
def audit_ping(*, tenant_id: int, contact_id: int) -> None:
    """Writes one audit entry about a contact; lets tests prove a worker ran in a tenant."""
    from .services.audit import audit_record

    audit_record(
        tenant=context.require_tenant(),
        action="other",
        object_type="contacts.contact",
        object_id=str(contact_id),
        object_repr="ping",
    )


@shared_task(name="crm.core.tasks.reap_stalled_jobs", base=TenantTask)
def reap_stalled_jobs(*, tenant_id: int) -> dict[str, int]:
    """Fails the tenant's running jobs whose worker died (crm.core.jobs)."""
    from .jobs import reap_stalled

    return reap_stalled(tenant=context.require_tenant())


@shared_task(name="crm.core.tasks.reap_stalled_jobs_all_tenants")
def reap_stalled_jobs_all_tenants() -> int:
    """Beat entry point: one reaper task per tenant, each inside its own tenant."""
    return enqueue_for_every_tenant(reap_stalled_jobs)


# Tasks kept in their own modules; imported here so the worker's autodiscovery finds them.
from . import tasks_customfields  # noqa: E402, F401
