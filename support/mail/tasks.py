"""Celery tasks of support.mail: thin doors into services.outbox_send.

`send_outbound_mail` is enqueued on commit for each new outbox row; beat sends
`send_due_outbound_all_tenants` every minute, which enqueues one `send_due_outbound` per
tenant for retries and rows whose worker died. Rows are claimed with SKIP LOCKED, so
overlapping runs never send a row twice. Names start with send_ → the "mail" queue."""

from __future__ import annotations

from celery import shared_task

from crm.core import context
from crm.core.tasks import TenantTask, enqueue_for_every_tenant


@shared_task(name="support.mail.tasks.send_outbound_mail", base=TenantTask)
def send_outbound_mail(*, tenant_id: int, mail_id: int) -> int:
    from .services import outbox_send

    return outbox_send(tenant=context.require_tenant(), mail_id=mail_id)


@shared_task(name="support.mail.tasks.send_due_outbound", base=TenantTask)
def send_due_outbound(*, tenant_id: int) -> int:
    from .services import outbox_send

    return outbox_send(tenant=context.require_tenant())


@shared_task(name="support.mail.tasks.send_due_outbound_all_tenants")
def send_due_outbound_all_tenants() -> int:
    """Beat entry point: one retry scan per tenant, each inside its own tenant."""
    return enqueue_for_every_tenant(send_due_outbound)
