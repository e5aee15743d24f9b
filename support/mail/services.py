"""Mail to and from customers about their tickets: settings, the outbox, replies.

`mail_to_customer` is the one door the other parts (CSAT links, auto-acknowledgements,
notifications to requesters) use to write to a customer about a ticket. It writes an
OutboundMail row in the caller's transaction and enqueues the send on commit; a worker
claims the row with SKIP LOCKED and sends it through Django's SMTP backend; beat retries
rows that are due (failures back off). A `dedupe_key` makes a retried caller send once.

Inbound mail (SMTP server and webhook) lives in `inbound.py`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import secrets
from typing import Any

from django.conf import settings as django_settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from crm.core.context import tenant_context
from crm.core.models import AuditLog, Tenant
from crm.core.services.audit import audit_record, diff, snapshot
from support.tickets.models import MessageKind, Ticket, TicketMessage

from .models import MailSettings, OutboundMail, OutboundStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM_LEASE = dt.timedelta(minutes=10)
BATCH = 50
SETTINGS_FIELDS = [
    "support_address",
    "from_name",
    "signature",
    "auto_ack_enabled",
    "auto_ack_subject_ja",
    "auto_ack_body_ja",
    "auto_ack_subject_en",
    "auto_ack_body_en",
    "max_attachment_mb",
]


# --- configuration --------------------------------------------------------------------------
def inbound_domain() -> str:
    """The domain customers write to (`<slug>@…`, `<slug>+<mail_key>@…`) and the one our
    Message-IDs carry. settings.SUPPORT_INBOUND_DOMAIN or the env variable of that name."""
    value = getattr(django_settings, "SUPPORT_INBOUND_DOMAIN", "") or os.environ.get(
        "SUPPORT_INBOUND_DOMAIN", "inbound.localhost"
    )
    return value.strip().lower()


def smtp_port() -> int:
    """The port `python -m support.mail.smtpd` listens on (SUPPORT_SMTP_PORT, 2525)."""
    return int(os.environ.get("SUPPORT_SMTP_PORT", "2525"))


def inbound_address(*, tenant: Tenant, mail_key: str = "") -> str:
    local = f"{tenant.slug}+{mail_key}" if mail_key else tenant.slug
    return f"{local}@{inbound_domain()}"


def mail_settings(*, tenant: Tenant) -> MailSettings:
    """The tenant's settings; the defaults until an admin saves."""
    found = MailSettings.objects.filter(tenant=tenant).first()
    return found if found is not None else MailSettings(tenant=tenant)


@transaction.atomic
def mail_settings_update(*, tenant: Tenant, actor: Any = None, **values: Any) -> MailSettings:
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"mail_settings_update: unknown fields {sorted(unknown)}")
    current = mail_settings(tenant=tenant)
    before = snapshot(current, SETTINGS_FIELDS)
    obj, _created = MailSettings.objects.update_or_create(tenant=tenant, defaults=values)
    changes = diff(before, snapshot(obj, SETTINGS_FIELDS))
    if changes:
        audit_record(
            tenant=tenant, action=AuditLog.Action.UPDATE, obj=obj, actor=actor, changes=changes
        )
    return obj


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def webhook_token_regenerate(*, tenant: Tenant, actor: Any = None) -> str:
    """A new webhook token (the old one stops working); returned once, only its hash kept.
    It starts with the tenant's slug so the endpoint knows whose settings to check it
    against before any tenant is active."""
    raw = f"{tenant.slug}.{secrets.token_urlsafe(32)}"
    obj, _created = MailSettings.objects.get_or_create(tenant=tenant)
    obj.webhook_token_hash = _hash_token(raw)
    obj.webhook_token_hint = raw[-4:]
    obj.save(update_fields=["webhook_token_hash", "webhook_token_hint", "updated_at"])
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.UPDATE,
        obj=obj,
        actor=actor,
        changes={"webhook_token": ["…", "…" + obj.webhook_token_hint]},
    )
    return raw


def webhook_tenant(*, token: str) -> Tenant | None:
    """The tenant whose webhook token this is, else None (unknown tenant, no token set and
    a wrong token look the same from outside)."""
    slug, dot, secret = (token or "").strip().partition(".")
    if not (slug and dot and secret):
        return None
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        return None
    with tenant_context(tenant):
        row = MailSettings.objects.filter(tenant=tenant).first()
    if row is None or not row.webhook_token_hash:
        return None
    if not hmac.compare_digest(row.webhook_token_hash, _hash_token(token.strip())):
        return None
    return tenant


# --- merge fields ---------------------------------------------------------------------------
def render_merge_fields(text: str, *, ticket: Ticket) -> str:
    """Plain replacement of an allow-list; anything else in braces stays as typed."""
    contact = ticket.contact
    last_name = (getattr(contact, "last_name", "") or ticket.requester_name or "").strip()
    values = {
        "{{ticket.number}}": str(ticket.number),
        "{{ticket.subject}}": ticket.subject,
        "{{contact.last_name}}": last_name,
    }
    for key, value in values.items():
        text = text.replace(key, value)
        text = text.replace(key.replace("{{", "{{ ").replace("}}", " }}"), value)
    return text


# --- the outbox -----------------------------------------------------------------------------
def message_id_for(*, ticket: Ticket, part: str) -> str:
    return f"<t{ticket.number}.{part}.{ticket.mail_key}@{inbound_domain()}>"


def _from_header(row: MailSettings) -> str:
    if not row.support_address:
        return django_settings.DEFAULT_FROM_EMAIL
    if row.from_name:
        from email.headerregistry import Address

        return str(Address(display_name=row.from_name, addr_spec=row.support_address))
    return row.support_address


def outbox_enqueue(
    *,
    tenant: Tenant,
    ticket: Ticket | None,
    to: str,
    subject: str,
    body: str,
    kind: str,
    dedupe_key: str = "",
    headers: dict[str, str] | None = None,
    message: TicketMessage | None = None,
    message_id: str = "",
) -> OutboundMail:
    """One outbox row (or the existing one for `dedupe_key`), sent after commit."""
    if ticket is not None and ticket.tenant_id != tenant.pk:
        raise ValueError("outbox_enqueue across tenants")
    if dedupe_key:
        existing = OutboundMail.objects.filter(tenant=tenant, dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    settings_row = mail_settings(tenant=tenant)
    headers = dict(headers or {})
    if ticket is not None:
        headers.setdefault("Reply-To", inbound_address(tenant=tenant, mail_key=ticket.mail_key))
    try:
        with transaction.atomic():
            mail = OutboundMail.objects.create(
                tenant=tenant,
                ticket=ticket,
                message=message,
                kind=kind,
                from_address=_from_header(settings_row),
                to_address=to,
                subject=subject.replace("\r", " ").replace("\n", " ")[:500],
                body=body,
                headers=headers,
                message_id_header=message_id,
                next_attempt_at=timezone.now(),
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        # A concurrent caller with the same key won the race: theirs is the one mail.
        return OutboundMail.objects.get(tenant=tenant, dedupe_key=dedupe_key)
    if not mail.message_id_header:
        part = f"m{mail.pk}"
        mail.message_id_header = (
            message_id_for(ticket=ticket, part=part)
            if ticket is not None
            else f"<o{mail.pk}.{secrets.token_hex(6)}@{inbound_domain()}>"
        )
        OutboundMail.objects.filter(tenant=tenant, pk=mail.pk).update(
            message_id_header=mail.message_id_header
        )
    from .tasks import send_outbound_mail

    tenant_id, mail_id = tenant.pk, mail.pk
    transaction.on_commit(
        lambda: send_outbound_mail.apply_async(kwargs={"tenant_id": tenant_id, "mail_id": mail_id})
    )
    return mail


def mail_to_customer(
    *,
    tenant: Tenant,
    ticket: Any,
    subject: str,
    body: str,
    kind: str,
    dedupe_key: str = "",
    to: str = "",
    headers: dict[str, str] | None = None,
) -> OutboundMail | None:
    """Sends `body` (plain text) to the ticket's requester (or `to`) through the outbox.
    `kind` names the purpose ("reply", "ack", "csat", ...); `dedupe_key` makes a retried
    caller send once. None when there is no address to send to."""
    address = to or ticket.requester_email or getattr(ticket.contact, "email", "")
    if not address:
        return None
    return outbox_enqueue(
        tenant=tenant,
        ticket=ticket,
        to=address,
        subject=subject,
        body=body,
        kind=kind,
        dedupe_key=dedupe_key,
        headers=headers,
    )


def _claim(tenant: Tenant, *, mail_id: int | None, now: dt.datetime) -> list[OutboundMail]:
    """Rows due now, marked sending with a lease, in their own short transaction: a second
    worker skips rows this one holds and never sees them as due until the lease lapses."""
    with transaction.atomic():
        query = OutboundMail.objects.select_for_update(skip_locked=True).filter(
            Q(status=OutboundStatus.PENDING) | Q(status=OutboundStatus.SENDING),
            tenant=tenant,
            next_attempt_at__lte=now,
        )
        if mail_id is not None:
            query = query.filter(pk=mail_id)
        rows = list(query.order_by("next_attempt_at", "id")[:BATCH])
        if rows:
            OutboundMail.objects.filter(tenant=tenant, pk__in=[r.pk for r in rows]).update(
                status=OutboundStatus.SENDING,
                attempts=F("attempts") + 1,
                next_attempt_at=now + CLAIM_LEASE,
            )
            for row in rows:
                row.attempts += 1
    return rows


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes, at most 2 hours."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 120))


def _email(row: OutboundMail, connection: Any) -> EmailMessage:
    headers = {**row.headers, "Message-ID": row.message_id_header}
    return EmailMessage(
        subject=row.subject,
        body=row.body,
        from_email=row.from_address or django_settings.DEFAULT_FROM_EMAIL,
        to=[row.to_address],
        headers=headers,
        connection=connection,
    )


def outbox_send(*, tenant: Tenant, mail_id: int | None = None) -> int:
    """Sends one row (`mail_id`) or every due row; returns how many went out."""
    sent = 0
    while True:
        now = timezone.now()
        rows = _claim(tenant, mail_id=mail_id, now=now)
        if not rows:
            return sent
        connection = get_connection(fail_silently=False)
        for row in rows:
            try:
                connection.send_messages([_email(row, connection)])
            except Exception as exc:  # noqa: BLE001 - any SMTP/network failure is retried
                failed = row.attempts >= MAX_ATTEMPTS
                OutboundMail.objects.filter(tenant=tenant, pk=row.pk).update(
                    status=OutboundStatus.FAILED if failed else OutboundStatus.PENDING,
                    last_error=f"{type(exc).__name__}: {exc}"[:2000],
                    next_attempt_at=timezone.now() + backoff(row.attempts),
                )
                log.warning("outbound mail %s failed (attempt %s): %s", row.pk, row.attempts, exc)
            else:
                OutboundMail.objects.filter(tenant=tenant, pk=row.pk).update(
                    status=OutboundStatus.SENT, sent_at=timezone.now(), last_error=""
                )
                sent += 1
        with contextlib.suppress(Exception):  # closing a connection that already died
            connection.close()
        if mail_id is not None or len(rows) < BATCH:
            return sent


# --- replies --------------------------------------------------------------------------------
_RE_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|返信|転送)\s*[:：]\s*)+", re.IGNORECASE)
_TOKEN = re.compile(r"\[#\d+\]\s*")


def reply_subject(ticket: Ticket) -> str:
    base = _TOKEN.sub("", _RE_PREFIX.sub("", ticket.subject)).strip()
    return f"Re: [#{ticket.number}] {base}"


def _with_signature(body: str, signature: str) -> str:
    signature = (signature or "").strip()
    return f"{body.rstrip()}\n\n-- \n{signature}\n" if signature else body


def reply_send(*, tenant: Tenant, ticket: Ticket, message: TicketMessage) -> OutboundMail | None:
    """The outbox row for an agent's reply, with the threading headers: our Message-ID
    (stored on the message, so the customer's answer finds the ticket), In-Reply-To the
    last customer message, References the thread, Reply-To the ticket's plus address."""
    if message.kind != MessageKind.REPLY:
        return None
    address = ticket.requester_email or getattr(ticket.contact, "email", "")
    if not address:
        return None
    own_id = message_id_for(ticket=ticket, part=str(message.pk))
    thread = list(
        TicketMessage.objects.filter(tenant=tenant, ticket=ticket)
        .exclude(message_id="")
        .exclude(pk=message.pk)
        .filter(kind__in=[MessageKind.CUSTOMER, MessageKind.REPLY])
        .order_by("created_at", "id")
        .values_list("kind", "message_id")
    )
    last_customer = next((mid for kind, mid in reversed(thread) if kind == "customer"), "")
    headers: dict[str, str] = {}
    if last_customer:
        headers["In-Reply-To"] = last_customer
    references = [mid for _kind, mid in thread][-20:]
    if references:
        headers["References"] = " ".join(references)
    TicketMessage.objects.filter(tenant=tenant, pk=message.pk).update(
        message_id=own_id, in_reply_to=last_customer, to_address=address
    )
    message.message_id, message.in_reply_to = own_id, last_customer
    settings_row = mail_settings(tenant=tenant)
    return outbox_enqueue(
        tenant=tenant,
        ticket=ticket,
        message=message,
        to=address,
        subject=reply_subject(ticket),
        body=_with_signature(message.body, settings_row.signature),
        kind="reply",
        dedupe_key=f"reply:{message.pk}",
        headers=headers,
        message_id=own_id,
    )


def on_ticket_event(
    *, event: str, ticket: Ticket, message: Any = None, changes: Any = None, actor: Any = None
) -> None:
    """Ticket hook: an agent's reply goes out by mail (notes and system messages never)."""
    if event == "message" and message is not None and message.kind == MessageKind.REPLY:
        reply_send(tenant=ticket.tenant, ticket=ticket, message=message)


# --- auto-acknowledgement -------------------------------------------------------------------
def auto_ack_send(*, tenant: Tenant, ticket: Ticket, in_reply_to: str = "") -> OutboundMail | None:
    """Once per new ticket (dedupe key), marked Auto-Submitted so auto-responders stay
    quiet."""
    settings_row = mail_settings(tenant=tenant)
    if not settings_row.auto_ack_enabled:
        return None
    english = (ticket.language or tenant.language or "ja").startswith("en")
    subject = settings_row.auto_ack_subject_en if english else settings_row.auto_ack_subject_ja
    body = settings_row.auto_ack_body_en if english else settings_row.auto_ack_body_ja
    subject = render_merge_fields(subject, ticket=ticket)
    body = _with_signature(render_merge_fields(body, ticket=ticket), settings_row.signature)
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = in_reply_to
    return mail_to_customer(
        tenant=tenant,
        ticket=ticket,
        subject=subject,
        body=body,
        kind="ack",
        dedupe_key=f"ack:{ticket.pk}",
        headers=headers,
    )


def loop_count(*, tenant: Tenant) -> None:
    MailSettings.objects.get_or_create(tenant=tenant)
    MailSettings.objects.filter(tenant=tenant).update(loops_detected=F("loops_detected") + 1)


__all__ = [
    "auto_ack_send",
    "inbound_address",
    "inbound_domain",
    "mail_settings",
    "mail_settings_update",
    "mail_to_customer",
    "outbox_enqueue",
    "outbox_send",
    "reply_send",
    "webhook_tenant",
    "webhook_token_regenerate",
]
