"""Inbound mail: parse, route, store — the one code path behind the SMTP server
(`smtpd.py`) and the webhook (`api.py`).

Routing: the recipient `<slug>@<inbound domain>` or `<slug>+<mail_key>@…` names the tenant
(the webhook's token names it instead). Threading, within that tenant only: In-Reply-To /
References matching a stored Message-ID (or one of ours, which carries the ticket's
mail_key), else the plus address's mail_key, else "[#123]" in the subject from the same
requester address, else a new ticket. The same Message-ID twice stores one message.

Customer HTML is never stored: an HTML-only mail is reduced to text here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html import unescape
from html.parser import HTMLParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.core.context import tenant_context
from crm.core.models import Tenant
from crm.core.normalize import NormalizationError, normalize_email
from support.tickets import services as tickets
from support.tickets.models import (
    Channel,
    MessageKind,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
)

from . import services

log = logging.getLogger(__name__)

# The exact text both doors answer with (SMTP 550, webhook 400).
BAD_SENDER = gettext_noop("sender address missing or unreadable")
LOOP_WINDOW_MINUTES = 10
LOOP_MAX_MAILS = 5
AUTO_SENDERS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply"}
BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_MSGID = re.compile(r"<[^<>\s]+>")
_SUBJECT_TOKEN = re.compile(r"\[#(\d{1,18})\]")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


class InboundRejected(Exception):
    """A mail we refuse as a whole; nothing was stored."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    sender: str
    sender_name: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str
    references: list[str]
    attachments: list[Attachment]
    auto_reason: str
    recipients: list[str] = field(default_factory=list)


@dataclass
class InboundResult:
    ticket: Ticket
    message: TicketMessage
    created: bool
    duplicate: bool = False
    is_auto: bool = False
    refused_attachments: list[str] = field(default_factory=list)


# --- parsing --------------------------------------------------------------------------------
class _TextExtractor(HTMLParser):
    """Text of an HTML mail: tags dropped, script/style skipped, blocks on their own line."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - broken markup: fall back to dropping anything tag-like
        return re.sub(r"<[^>]*>", " ", unescape(html)).strip()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _content(part: Message) -> str:
    try:
        return str(part.get_content())  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, KeyError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a header the parser cannot even represent
        return ""
    return str(value).strip() if value is not None else ""


def _ids(value: str) -> list[str]:
    return _MSGID.findall(value or "")


def _sender(msg: Message) -> tuple[str, str]:
    raw = _header(msg, "From")
    if not raw:
        raise InboundRejected("bad_sender", _(BAD_SENDER))
    name, address = parseaddr(raw)
    address = address.strip()
    if not _ADDRESS.match(address):
        raise InboundRejected("bad_sender", _(BAD_SENDER))
    try:
        address = normalize_email(address)
    except NormalizationError:
        raise InboundRejected("bad_sender", _(BAD_SENDER)) from None
    return address, name.strip()[:200]


def _auto_reason(msg: Message, sender: str, message_id: str) -> str:
    """Why this mail looks automatic (auto-reply, bounce, list, our own mail), or ""."""
    auto_submitted = _header(msg, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted[:40]}"
    precedence = _header(msg, "Precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if _header(msg, name):
            return f"{name} header"
    local = sender.split("@", 1)[0].lower()
    if local in AUTO_SENDERS:
        return f"sender {local}"
    if message_id.lower().endswith("@" + services.inbound_domain() + ">"):
        return "our own Message-ID"
    return ""


def _attachments(msg: EmailMessage) -> list[Attachment]:
    found: list[Attachment] = []
    if not msg.is_multipart():
        return found
    for part in msg.iter_attachments():
        filename = part.get_filename() or ""
        filename = re.sub(r"[\x00-\x1f/\\]", "_", filename).strip() or "attachment"
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else part.as_bytes()
        found.append(
            Attachment(filename=filename[-200:], content_type=part.get_content_type(), data=data)
        )
    return found


def parse_mail(raw: bytes) -> ParsedMail:
    """An RFC 822 message → what we store. Raises InboundRejected when the sender is
    missing or unreadable."""
    msg = message_from_bytes(raw, policy=policy.default)
    sender, sender_name = _sender(msg)
    ids = _ids(_header(msg, "Message-ID"))
    # No Message-ID: one derived from the bytes, so the same mail replayed is still one.
    message_id = ids[0] if ids else f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id>"
    body_part = msg.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
    if body_part is None:
        body = ""
    elif body_part.get_content_type() == "text/html":
        body = html_to_text(_content(body_part))
    else:
        body = _content(body_part).strip()
    references = _ids(_header(msg, "References"))
    in_reply_to = (_ids(_header(msg, "In-Reply-To")) or [""])[0]
    recipients = [
        addr
        for name in ("Delivered-To", "X-Original-To", "To", "Cc")
        for _n, addr in getaddresses([_header(msg, name)])
        if addr
    ]
    return ParsedMail(
        sender=sender,
        sender_name=sender_name,
        subject=re.sub(r"\s+", " ", _header(msg, "Subject")).strip()[:300],
        body=body.replace("\x00", ""),
        message_id=message_id[:998],
        in_reply_to=in_reply_to[:998],
        references=references[-50:],
        attachments=_attachments(msg),  # type: ignore[arg-type]
        auto_reason=_auto_reason(msg, sender, message_id),
        recipients=recipients,
    )


# --- routing --------------------------------------------------------------------------------
def recipient_tenant(address: str) -> tuple[Tenant, str] | None:
    """`<slug>[+<mail_key>]@<inbound domain>` → (tenant, mail_key); None for anything else."""
    address = (address or "").strip().strip("<>")
    local, at, domain = address.rpartition("@")
    if not at or domain.lower() != services.inbound_domain():
        return None
    slug, _plus, key = local.partition("+")
    tenant = Tenant.objects.filter(slug=slug.lower()).first()
    if tenant is None:
        return None
    return tenant, key.strip()


def _own_mail_key(message_id: str) -> str:
    """The mail_key inside one of our Message-IDs (<t12.34.KEY@domain>), else ""."""
    match = re.fullmatch(
        r"<t\d+\.[A-Za-z0-9]+\.([0-9a-f]{4,32})@" + re.escape(services.inbound_domain()) + ">",
        message_id,
        flags=re.IGNORECASE,
    )
    return match.group(1).lower() if match else ""


def _thread(tenant: Tenant, mail: ParsedMail, mail_keys: list[str]) -> Ticket | None:
    thread_ids = [i for i in [mail.in_reply_to, *reversed(mail.references)] if i]
    if thread_ids:
        hit = (
            TicketMessage.objects.filter(tenant=tenant, message_id__in=thread_ids)
            .select_related("ticket")
            .order_by("-id")
            .first()
        )
        if hit is not None:
            return hit.ticket
        keys = [k for k in (_own_mail_key(i) for i in thread_ids) if k]
        if keys:
            found = Ticket.objects.filter(tenant=tenant, mail_key__in=keys).first()
            if found is not None:
                return found
    if mail_keys:
        found = Ticket.objects.filter(tenant=tenant, mail_key__in=mail_keys).first()
        if found is not None:
            return found
    token = _SUBJECT_TOKEN.search(mail.subject)
    if token:
        found = Ticket.objects.filter(tenant=tenant, number=int(token.group(1))).first()
        if found is not None and found.requester_email.lower() == mail.sender.lower():
            return found
    return None


def _too_many(tenant: Tenant, ticket: Ticket, sender: str) -> bool:
    since = timezone.now() - dt.timedelta(minutes=LOOP_WINDOW_MINUTES)
    recent = TicketMessage.objects.filter(
        tenant=tenant,
        ticket=ticket,
        from_address__iexact=sender,
        kind__in=[MessageKind.CUSTOMER, MessageKind.SYSTEM],
        created_at__gte=since,
    ).count()
    return recent >= LOOP_MAX_MAILS


def _human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


# --- storing --------------------------------------------------------------------------------
def _sender_contact(tenant: Tenant, mail: ParsedMail) -> Any:
    """The sender's contact: found by address (tickets.requester_contact), else created.
    A mail cannot ask for a required contact custom field, so the contact is created
    without it (require_custom_fields=False: defaults apply, the agent fills the rest in).
    A contact still refused (a unique field whose default another contact holds) leaves
    the inquiry without a contact rather than lose the mail."""
    try:
        with transaction.atomic():
            return tickets.requester_contact(
                tenant=tenant,
                email=mail.sender,
                name=mail.sender_name,
                require_custom_fields=False,
            )
    except ValidationError as exc:
        log.warning("inbound mail %s: no contact created: %s", mail.message_id, exc)
        return None


def inbound_mail_receive(
    *,
    tenant: Tenant,
    raw: bytes | None = None,
    mail: ParsedMail | None = None,
    recipients: list[str] | None = None,
) -> InboundResult:
    """Stores one inbound mail in `tenant`: a new ticket or a message on the one it
    threads to, its attachments within the size limit, loop handling and the optional
    auto-acknowledgement. Raises InboundRejected (nothing stored) for a bad sender."""
    if mail is None:
        mail = parse_mail(raw or b"")
    mail_keys = []
    for address in recipients if recipients is not None else mail.recipients:
        found = recipient_tenant(address)
        if found is not None and found[0].pk == tenant.pk and found[1]:
            mail_keys.append(found[1].lower())
    with tenant_context(tenant), transaction.atomic():
        # Two deliveries of the same mail at once (SMTP retry, webhook and SMTP): one waits.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"support-mail:{tenant.pk}:{mail.message_id}"],
            )
        duplicate = (
            TicketMessage.objects.filter(tenant=tenant, message_id=mail.message_id)
            .select_related("ticket")
            .order_by("id")
            .first()
        )
        if duplicate is not None:
            return InboundResult(
                ticket=duplicate.ticket, message=duplicate, created=False, duplicate=True
            )
        ticket = _thread(tenant, mail, mail_keys)
        reason = mail.auto_reason
        if not reason and ticket is not None and _too_many(tenant, ticket, mail.sender):
            reason = f"more than {LOOP_MAX_MAILS} mails in {LOOP_WINDOW_MINUTES} minutes"
        to_address = ", ".join(mail.recipients)[:1000]
        created = ticket is None
        if ticket is None:
            text = f"{mail.subject}\n{mail.body}"
            ticket = tickets.ticket_create(
                tenant=tenant,
                subject=mail.subject or _("(no subject)"),
                body=mail.body,
                channel=Channel.EMAIL,
                requester_email=mail.sender,
                requester_name=mail.sender_name,
                from_address=mail.sender,
                message_id=mail.message_id,
                language="ja" if _JAPANESE.search(text) else "en",
                # A bounce or auto-reply is no customer to add to the address book.
                contact=None if reason else _sender_contact(tenant, mail),
                create_contact=False,
            )
            message = TicketMessage.objects.filter(tenant=tenant, ticket=ticket).order_by("id")[0]
            TicketMessage.objects.filter(tenant=tenant, pk=message.pk).update(
                to_address=to_address, is_auto=bool(reason)
            )
            message.is_auto = bool(reason)
        else:
            # An automatic mail is kept as an automatic message: it reopens nothing, moves
            # no SLA clock and is not the customer's last word.
            message = tickets.ticket_message_add(
                tenant=tenant,
                ticket=ticket,
                kind=MessageKind.SYSTEM if reason else MessageKind.CUSTOMER,
                body=mail.body,
                from_address=mail.sender,
                to_address=to_address,
                message_id=mail.message_id,
                in_reply_to=mail.in_reply_to,
                is_auto=bool(reason),
            )
        refused = _store_attachments(tenant, ticket, message, mail)
        if reason:
            services.loop_count(tenant=tenant)
            TicketEvent.objects.create(
                tenant=tenant, ticket=ticket, kind="mail_loop", new_value=reason[:200]
            )
        elif created and not refused:
            services.auto_ack_send(tenant=tenant, ticket=ticket, in_reply_to=mail.message_id)
        return InboundResult(
            ticket=ticket,
            message=message,
            created=created,
            is_auto=bool(reason),
            refused_attachments=refused,
        )


def _store_attachments(
    tenant: Tenant, ticket: Ticket, message: TicketMessage, mail: ParsedMail
) -> list[str]:
    """Stores what fits the tenant's limit; for each file that does not, a system note on
    the ticket says which and why (the customer is not told automatically)."""
    limit = services.mail_settings(tenant=tenant).max_attachment_bytes
    refused: list[str] = []
    for item in mail.attachments:
        if len(item.data) > limit:
            refused.append(item.filename)
            with translation.override(ticket.language or tenant.language or "ja"):
                note = _(
                    "The attachment “%(name)s” (%(size)s) from %(sender)s was not stored: it "
                    "is larger than the limit of %(limit)s MB. Ask the customer to send it "
                    "another way (for example a download link)."
                ) % {
                    "name": item.filename,
                    "size": _human_size(len(item.data)),
                    "sender": mail.sender,
                    "limit": limit // (1024 * 1024),
                }
            tickets.ticket_message_add(
                tenant=tenant, ticket=ticket, kind=MessageKind.SYSTEM, body=note
            )
            continue
        TicketAttachment.objects.create(
            tenant=tenant,
            message=message,
            file=ContentFile(item.data, name=item.filename),
            filename=item.filename,
            content_type=item.content_type[:200],
            size=len(item.data),
        )
    return refused


def deliver(raw: bytes, recipients: list[str]) -> list[InboundResult]:
    """The SMTP server's door: one store per tenant among the recipients."""
    mail = parse_mail(raw)
    by_tenant: dict[int, tuple[Tenant, list[str]]] = {}
    for address in recipients:
        found = recipient_tenant(address)
        if found is not None:
            by_tenant.setdefault(found[0].pk, (found[0], []))[1].append(address)
    return [
        inbound_mail_receive(tenant=tenant, mail=mail, recipients=addresses + mail.recipients)
        for tenant, addresses in by_tenant.values()
    ]


def result_summary(results: list[InboundResult]) -> dict[str, Any]:
    return {
        "tickets": [r.ticket.number for r in results],
        "duplicate": all(r.duplicate for r in results) if results else False,
    }
