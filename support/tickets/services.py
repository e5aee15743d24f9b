"""Writes on tickets. Every other way in (mail, web forms, the API, the pages) calls these,
so numbering, contact matching, history and the hooks (SLA, mail, timeline) happen once."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from crm.core.models import Tenant
from crm.core.normalize import NormalizationError, email_match_key, normalize_email

from . import hooks
from .models import (
    DONE_STATUSES,
    Channel,
    MessageKind,
    Status,
    Ticket,
    TicketEvent,
    TicketMessage,
)

# Fields a person may change through ticket_update (history is written for each).
UPDATABLE = (
    "subject",
    "category",
    "priority",
    "status",
    "assignee",
    "team",
    "contact",
    "order",
    "deal",
    "tags",
    "custom_fields",
)


def next_ticket_number(*, tenant: Tenant) -> int:
    """The tenant's own counter row bumped in place (INSERT … ON CONFLICT DO UPDATE …
    RETURNING): concurrent tickets wait on one row and never share a number."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO support_ticketnumbercounter (tenant_id, last_number) VALUES (%s, 1)
            ON CONFLICT (tenant_id) DO UPDATE
              SET last_number = support_ticketnumbercounter.last_number + 1
            RETURNING last_number
            """,
            [tenant.pk],
        )
        return int(cursor.fetchone()[0])


def requester_contact(
    *, tenant: Tenant, email: str, name: str = "", actor: Any = None, create: bool = True
) -> Any:
    """The contact behind a sender address: found by its normalized e-mail (the same key
    the duplicate finder uses), else created with what we know. None when the address is
    unusable or `create` is False and no one matches."""
    from contacts.models import Contact
    from contacts.services import contact_create

    key = email_match_key(email)
    if not key:
        return None
    found = (
        Contact.objects.filter(tenant=tenant, email_key=key, deleted_at__isnull=True)
        .order_by("id")
        .first()
    )
    if found is not None or not create:
        return found
    last, _, first = (name or "").strip().replace("\u3000", " ").partition(" ")
    return contact_create(
        tenant=tenant,
        actor=actor,
        last_name=last.strip() or normalize_email(email).split("@", 1)[0],
        first_name=first.strip(),
        email=email,
        source="inquiry",
    )


@transaction.atomic
def ticket_create(
    *,
    tenant: Tenant,
    subject: str,
    body: str,
    channel: str = Channel.API,
    actor: Any = None,
    contact: Any = None,
    requester_email: str = "",
    requester_name: str = "",
    from_address: str = "",
    message_id: str = "",
    language: str = "",
    create_contact: bool = True,
    **fields: Any,
) -> Ticket:
    """Opens a ticket with its first customer message. Without `contact`, the requester's
    address finds or creates one. `fields` are any of UPDATABLE (category, priority, …)."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"ticket_create: unknown fields {sorted(unknown)}")
    if requester_email:
        try:
            requester_email = normalize_email(requester_email)
        except NormalizationError:
            requester_email = ""
    if contact is None and requester_email:
        contact = requester_contact(
            tenant=tenant,
            email=requester_email,
            name=requester_name,
            actor=actor,
            create=create_contact,
        )
    if contact is not None and contact.tenant_id != tenant.pk:
        raise ValueError("ticket_create across tenants")
    now = timezone.now()
    ticket = Ticket.objects.create(
        tenant=tenant,
        number=next_ticket_number(tenant=tenant),
        subject=(subject or "").strip()[:300],
        body=body or "",
        channel=channel,
        contact=contact,
        company_id=getattr(contact, "company_id", None),
        requester_email=requester_email or getattr(contact, "email", "") or "",
        requester_name=requester_name,
        language=language or tenant.language or "ja",
        created_by=actor if getattr(actor, "pk", None) else None,
        last_customer_message_at=now,
        **fields,
    )
    message = TicketMessage.objects.create(
        tenant=tenant,
        ticket=ticket,
        kind=MessageKind.CUSTOMER,
        from_address=from_address or ticket.requester_email,
        body=body or "",
        message_id=message_id,
    )
    TicketEvent.objects.create(
        tenant=tenant, ticket=ticket, actor=_user(actor), kind="created", new_value=channel
    )
    hooks.fire("created", ticket=ticket, message=message, actor=actor)
    return ticket


@transaction.atomic
def ticket_message_add(
    *,
    tenant: Tenant,
    ticket: Ticket,
    kind: str,
    body: str,
    actor: Any = None,
    from_address: str = "",
    to_address: str = "",
    message_id: str = "",
    in_reply_to: str = "",
    is_auto: bool = False,
    mentions: list[int] | None = None,
) -> TicketMessage:
    """A customer message, a reply (the mail part sends it out) or an internal note.
    A reply sets the first response time; a customer message reopens a pending or
    resolved ticket (the SLA part resumes its clock on that change)."""
    if ticket.tenant_id != tenant.pk:
        raise ValueError("ticket_message_add across tenants")
    if kind not in MessageKind.values:
        raise ValueError(f"unknown message kind {kind!r}")
    ticket = Ticket.objects.select_for_update().get(tenant=tenant, pk=ticket.pk)
    message = TicketMessage.objects.create(
        tenant=tenant,
        ticket=ticket,
        kind=kind,
        author=_user(actor),
        from_address=from_address,
        to_address=to_address,
        body=body,
        message_id=message_id,
        in_reply_to=in_reply_to,
        is_auto=is_auto,
        mentions=mentions or [],
    )
    now = timezone.now()
    changes: dict[str, tuple[Any, Any]] = {}
    update: list[str] = ["updated_at"]
    if kind == MessageKind.REPLY:
        ticket.last_agent_message_at = now
        update.append("last_agent_message_at")
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            update.append("first_response_at")
        if ticket.status == Status.NEW:
            changes["status"] = (ticket.status, Status.OPEN)
    elif kind == MessageKind.CUSTOMER:
        ticket.last_customer_message_at = now
        update.append("last_customer_message_at")
        if ticket.status in (Status.PENDING, *DONE_STATUSES):
            changes["status"] = (ticket.status, Status.OPEN)
    for field, (_, new) in changes.items():
        setattr(ticket, field, new)
        update.append(field)
    if "status" in changes:
        _status_times(ticket, update)
    ticket.save(update_fields=update)
    TicketEvent.objects.create(
        tenant=tenant, ticket=ticket, actor=_user(actor), kind="message", new_value=kind
    )
    _history(tenant, ticket, changes, actor)
    hooks.fire("message", ticket=ticket, message=message, actor=actor)
    if changes:
        hooks.fire("changed", ticket=ticket, changes=changes, actor=actor)
    return message


@transaction.atomic
def ticket_update(*, tenant: Tenant, ticket: Ticket, actor: Any = None, **fields: Any) -> Ticket:
    """Changes any of UPDATABLE; one history row per field that really changed."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"ticket_update: unknown fields {sorted(unknown)}")
    if ticket.tenant_id != tenant.pk:
        raise ValueError("ticket_update across tenants")
    ticket = Ticket.objects.select_for_update().get(tenant=tenant, pk=ticket.pk)
    changes: dict[str, tuple[Any, Any]] = {}
    for field, value in fields.items():
        old = getattr(ticket, field)
        if old != value:
            changes[field] = (old, value)
            setattr(ticket, field, value)
    if not changes:
        return ticket
    update = [*changes, "updated_at"]
    if "contact" in changes:
        ticket.company_id = getattr(ticket.contact, "company_id", None)
        update.append("company")
    if "status" in changes:
        _status_times(ticket, update)
    ticket.save(update_fields=update)
    _history(tenant, ticket, changes, actor)
    hooks.fire("changed", ticket=ticket, changes=changes, actor=actor)
    return ticket


def _status_times(ticket: Ticket, update: list[str]) -> None:
    now = timezone.now()
    if ticket.status == Status.RESOLVED and ticket.resolved_at is None:
        ticket.resolved_at = now
        update.append("resolved_at")
    elif ticket.status == Status.CLOSED:
        if ticket.closed_at is None:
            ticket.closed_at = now
            update.append("closed_at")
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            update.append("resolved_at")
    elif ticket.status not in DONE_STATUSES and (ticket.resolved_at or ticket.closed_at):
        ticket.resolved_at = None
        ticket.closed_at = None
        update.extend(["resolved_at", "closed_at"])


def _history(
    tenant: Tenant, ticket: Ticket, changes: dict[str, tuple[Any, Any]], actor: Any
) -> None:
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                tenant=tenant,
                ticket=ticket,
                actor=_user(actor),
                kind="changed",
                field=field,
                old_value=_text(old),
                new_value=_text(new),
            )
            for field, (old, new) in changes.items()
        ]
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) and hasattr(actor, "email") else None
