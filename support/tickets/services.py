"""Writes on tickets. Every other way in (mail, web forms, the API, the pages) calls these,
so numbering, contact matching, history and the hooks (SLA, mail, timeline) happen once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.customfields import save_custom_fields
from crm.core.models import ObjectType, Tenant
from crm.core.normalize import NormalizationError, email_match_key, normalize_email, split_name

from . import hooks
from .models import (
    DONE_STATUSES,
    Channel,
    MessageKind,
    Priority,
    Status,
    SupportTeam,
    SupportTeamMember,
    Ticket,
    TicketCategory,
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
    *,
    tenant: Tenant,
    email: str,
    name: str = "",
    actor: Any = None,
    create: bool = True,
    require_custom_fields: bool = True,
) -> Any:
    """The contact behind a sender address: found by its normalized e-mail (the same key
    the duplicate finder uses), else created with what we know. None when the address is
    unusable or `create` is False and no one matches. A way in that cannot ask for a
    required contact custom field (mail) passes require_custom_fields=False."""
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
    last, first = sender_name_parts(name)
    return contact_create(
        tenant=tenant,
        actor=actor,
        last_name=last.strip() or normalize_email(email).split("@", 1)[0],
        first_name=first.strip(),
        email=email,
        source="inquiry",
        require_custom_fields=require_custom_fields,
    )


_LATIN_NAME = re.compile(r"^[A-Za-z\u00c0-\u024f .,'-]+$")


def sender_name_parts(name: str) -> tuple[str, str]:
    """(姓, 名) of a sender's display name. Japanese names come family name first
    (「山田 花子」); a name written only in Latin letters comes given name first
    ("Jane Smith" -> Smith, Jane; "Smith, Jane" keeps its comma order)."""
    text = " ".join((name or "").replace("\u3000", " ").split())
    if not text:
        return "", ""
    if _LATIN_NAME.match(text):
        if "," in text:
            last, _sep, first = text.partition(",")
            return last.strip(), first.strip()
        if " " in text:
            first, _sep, last = text.rpartition(" ")
            return last, first
        return text, ""
    return split_name(text)


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
    require_custom_fields: bool = True,
    **fields: Any,
) -> Ticket:
    """Opens a ticket with its first customer message. Without `contact`, the requester's
    address finds or creates one. `fields` are any of UPDATABLE (category, priority, …).
    `require_custom_fields=False`: a way in that cannot ask for required custom fields (a
    customer's web form) opens the ticket (and creates the contact) without them."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"ticket_create: unknown fields {sorted(unknown)}")
    fields = validate_fields(tenant=tenant, fields=fields)
    if "custom_fields" in fields:
        fields["custom_fields"] = save_custom_fields(
            tenant=tenant,
            object_type=ObjectType.TICKET,
            data=fields["custom_fields"],
            creating=True,
            enforce_required=require_custom_fields,
        )
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
            require_custom_fields=require_custom_fields,
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
        # Whoever answers an unassigned inquiry takes it (it leaves "unassigned", and the
        # answer, its SLA and its rating count for that agent).
        if ticket.assignee_id is None and _user(actor) is not None:
            changes["assignee"] = (None, actor)
    elif kind == MessageKind.CUSTOMER and not is_auto:
        # An auto-reply (out of office, a bounce) is kept but is not the customer answering:
        # it neither reopens the inquiry nor restarts its clock.
        ticket.last_customer_message_at = now
        update.append("last_customer_message_at")
        if ticket.status in (Status.PENDING, *DONE_STATUSES):
            changes["status"] = (ticket.status, Status.OPEN)
    for field, (_old, new) in changes.items():
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
    fields = validate_fields(tenant=tenant, fields=fields)
    ticket = Ticket.objects.select_for_update().get(tenant=tenant, pk=ticket.pk)
    if "custom_fields" in fields:
        fields["custom_fields"] = save_custom_fields(
            tenant=tenant,
            object_type=ObjectType.TICKET,
            data=fields["custom_fields"],
            existing=ticket.custom_fields,
            instance_pk=ticket.pk,
            creating=False,
        )
    changes: dict[str, tuple[Any, Any]] = {}
    for field, value in fields.items():
        old = getattr(ticket, field)
        if old != value:
            changes[field] = (old, value)
            setattr(ticket, field, value)
    if not changes:
        return ticket
    new_category = changes.get("category", (None, None))[1]
    if new_category is not None and not new_category.is_active:
        # Only when a person moves the ticket to it: tickets already there (and web forms
        # mapped to it) keep working.
        raise ValidationError(
            {"category": [_("This category is deactivated; choose another one.")]}
        )
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


# --- validation shared by create, update and the bulk actions -------------------------------
def validate_fields(*, tenant: Tenant, fields: dict[str, Any]) -> dict[str, Any]:
    """Checks the values a person sends (pages, API) before anything is written. Raises a
    ValidationError per field saying what to fix; returns the cleaned values."""
    from crm.core.models import Membership

    errors: dict[str, list[str]] = {}
    out = dict(fields)
    if "subject" in out:
        out["subject"] = str(out["subject"] or "").strip()[:300]
        if not out["subject"]:
            errors["subject"] = [_("Enter a subject.")]
    for name, choices in (("status", Status), ("priority", Priority)):
        if name in out and out[name] not in choices.values:
            errors[name] = [
                _("“%(value)s” is not a %(field)s. Use one of: %(values)s.")
                % {"value": out[name], "field": name, "values": ", ".join(choices.values)}
            ]
    if "tags" in out:
        raw = out["tags"]
        if isinstance(raw, str):
            raw = raw.split(",")
        if not isinstance(raw, (list, tuple)):
            errors["tags"] = [_("Send tags as a list of words.")]
        else:
            tags: list[str] = []
            for tag in raw:
                text = str(tag).replace("\u3000", " ").strip()
                if len(text) > 50:
                    errors["tags"] = [_("A tag can be at most 50 characters.")]
                elif text and text not in tags:
                    tags.append(text)
            out["tags"] = tags
    for name in ("category", "team", "contact", "order", "deal"):
        value = out.get(name)
        if value is not None and getattr(value, "tenant_id", None) != tenant.pk:
            errors[name] = [_("Choose one of this account's records.")]
    assignee = out.get("assignee")
    if assignee is not None and not (
        Membership.objects.filter(tenant=tenant, user_id=assignee.pk, is_active=True).exists()
    ):
        errors["assignee"] = [_("Choose a member of this account as the assignee.")]
    if errors:
        raise ValidationError(errors)
    return out


# --- the "being answered by" lock -------------------------------------------------------------
LOCK_MINUTES = 5


@dataclass(frozen=True)
class LockState:
    held: bool  # True: `user` holds it now
    holder_id: int | None
    locked_at: Any


def ticket_lock_take(
    *, tenant: Tenant, ticket: Ticket, user: Any, force: bool = False
) -> LockState:
    """Takes the lock if it is free, already ours or expired (no heartbeat for 5 minutes) —
    one UPDATE … WHERE … RETURNING, so of two agents opening the ticket at once exactly one
    gets it. `force` takes it over from whoever holds it. A heartbeat is the same call."""
    condition = (
        ""
        if force
        else (
            "AND (locked_by_id IS NULL OR locked_by_id = %s"
            " OR locked_at < now() - make_interval(mins => %s))"
        )
    )
    params: list[Any] = [user.pk, tenant.pk, ticket.pk]
    if not force:
        params += [user.pk, LOCK_MINUTES]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE support_ticket SET locked_by_id = %s, locked_at = now() "
            f"WHERE tenant_id = %s AND id = %s {condition} RETURNING locked_by_id, locked_at",
            params,
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                "SELECT locked_by_id, locked_at FROM support_ticket"
                " WHERE tenant_id = %s AND id = %s",
                [tenant.pk, ticket.pk],
            )
            row = cursor.fetchone() or (None, None)
            return LockState(held=False, holder_id=row[0], locked_at=row[1])
    ticket.locked_by_id, ticket.locked_at = row
    return LockState(held=True, holder_id=row[0], locked_at=row[1])


def ticket_lock_release(*, tenant: Tenant, ticket: Ticket, user: Any) -> bool:
    """Frees the lock if `user` holds it (leaving the page). Someone else's lock stays."""
    released = Ticket.objects.filter(tenant=tenant, pk=ticket.pk, locked_by_id=user.pk).update(
        locked_by=None, locked_at=None
    )
    return bool(released)


# --- messages from people (pages and API) ------------------------------------------------------
MENTION = re.compile(r"@([^\s@,、。]+(?:@[^\s,、。]+)?)")


def mentioned_users(*, tenant: Tenant, body: str, ids: list[int] | None = None) -> list[Any]:
    """Members mentioned in a note: the ids the editor sent (autocomplete) and any
    "@display name" or "@e-mail" written in the text, kept only if they are active members
    of the tenant. One query."""
    from crm.core.models import Membership

    memberships = Membership.objects.filter(tenant=tenant, is_active=True).select_related("user")
    wanted = set(ids or [])
    words = {m.group(1).lower() for m in MENTION.finditer(body or "")}
    found = []
    for membership in memberships:
        user = membership.user
        names = {user.email.lower(), (user.display_name or "").replace(" ", "").lower()}
        if user.pk in wanted or words & (names - {""}):
            found.append(user)
    return found


@transaction.atomic
def ticket_message_post(
    *,
    tenant: Tenant,
    ticket: Ticket,
    actor: Any,
    kind: str,
    body: str,
    mention_ids: list[int] | None = None,
    set_status: str = "",
) -> TicketMessage:
    """An agent's reply or internal note (or a customer message logged by an agent), as the
    pages and the API send it: the body is required, mentions in notes notify each mentioned
    member once, `set_status` ("pending" for "send and set pending") changes the status in
    the same transaction — on any error nothing is saved."""
    from crm.core.services.notifications import notify

    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in (MessageKind.REPLY, MessageKind.NOTE, MessageKind.CUSTOMER):
        errors["kind"] = [_("Choose reply, note or customer message.")]
    if not body:
        errors["body"] = [_("Write the message before sending it.")]
    if set_status and set_status not in Status.values:
        errors["status"] = [_("Choose a status from the list.")]
    if errors:
        raise ValidationError(errors)
    mentions = (
        mentioned_users(tenant=tenant, body=body, ids=mention_ids)
        if kind == MessageKind.NOTE
        else []
    )
    message = ticket_message_add(
        tenant=tenant,
        ticket=ticket,
        kind=kind,
        body=body,
        actor=actor,
        from_address=ticket.requester_email if kind == MessageKind.CUSTOMER else "",
        mentions=[u.pk for u in mentions],
    )
    if set_status:
        ticket_update(tenant=tenant, ticket=ticket, actor=actor, status=set_status)
    url = reverse("support:ticket_detail", kwargs={"ticket_id": ticket.pk}) + f"#m{message.pk}"
    for user in mentions:
        if user.pk == getattr(actor, "pk", None):
            continue
        notify(
            tenant=tenant,
            user=user,
            kind="mention",
            title=_("%(name)s mentioned you on inquiry #%(number)s")
            % {"name": str(actor) if actor else _("Someone"), "number": ticket.number},
            body=body[:200],
            url=url,
            dedupe_key=f"ticket-mention:{message.pk}:{user.pk}",
        )
    return message


# --- bulk actions from the queue ---------------------------------------------------------------
BULK_FIELDS = ("assignee", "team", "status")
BULK_MAX = 500


@transaction.atomic
def ticket_bulk_update(
    *, tenant: Tenant, ticket_ids: list[int], actor: Any = None, **fields: Any
) -> int:
    """Assign (to a user or a team) or set the status of many tickets at once: one locking
    read, one UPDATE per call and one INSERT of the history rows, then the hooks per ticket
    that changed (the SLA part restarts or stops clocks on status). Returns how many
    changed. Unknown ids (another tenant's) are ignored."""
    unknown = set(fields) - set(BULK_FIELDS)
    if unknown or not fields:
        raise TypeError(f"ticket_bulk_update: fields must be among {BULK_FIELDS}")
    if not ticket_ids:
        raise ValidationError({"tickets": [_("Select at least one inquiry.")]})
    if len(ticket_ids) > BULK_MAX:
        raise ValidationError(
            {"tickets": [_("Select at most %(max)s inquiries at once.") % {"max": BULK_MAX}]}
        )
    fields = validate_fields(tenant=tenant, fields=fields)
    tickets = list(
        Ticket.objects.select_for_update().filter(tenant=tenant, pk__in=ticket_ids).order_by("id")
    )
    changed: list[tuple[Ticket, dict[str, tuple[Any, Any]]]] = []
    for ticket in tickets:
        changes = {}
        for name, value in fields.items():
            old_id = getattr(ticket, f"{name}_id", None) if name in ("assignee", "team") else None
            new_id = getattr(value, "pk", None)
            if name in ("assignee", "team"):
                if old_id != new_id:
                    changes[name] = (getattr(ticket, name), value)
            elif getattr(ticket, name) != value:
                changes[name] = (getattr(ticket, name), value)
        if changes:
            changed.append((ticket, changes))
    if not changed:
        return 0
    now = timezone.now()
    update: dict[str, Any] = {"updated_at": now}
    for name, value in fields.items():
        update[name] = value
    if "status" in fields:
        status = fields["status"]
        if status == Status.RESOLVED:
            update["resolved_at"] = Coalesce(F("resolved_at"), Value(now))
        elif status == Status.CLOSED:
            update["resolved_at"] = Coalesce(F("resolved_at"), Value(now))
            update["closed_at"] = Coalesce(F("closed_at"), Value(now))
        else:
            update["resolved_at"] = None
            update["closed_at"] = None
    Ticket.objects.filter(tenant=tenant, pk__in=[t.pk for t, _c in changed]).update(**update)
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                tenant=tenant,
                ticket=ticket,
                actor=_user(actor),
                kind="changed",
                field=name,
                old_value=_text(old),
                new_value=_text(new),
            )
            for ticket, changes in changed
            for name, (old, new) in changes.items()
        ]
    )
    for ticket, changes in changed:
        for name, (_old, new) in changes.items():
            setattr(ticket, name, new)
        if "status" in changes:
            _status_times(ticket, [])
        hooks.fire("changed", ticket=ticket, changes=changes, actor=actor)
    return len(changed)


# --- categories and teams (settings) ---------------------------------------------------------
def _category_names(name_ja: str, name_en: str) -> tuple[str, str]:
    name_ja = (name_ja or "").strip()[:100]
    name_en = (name_en or "").strip()[:100]
    if not name_ja:
        raise ValidationError({"name_ja": [_("Enter the category's name in Japanese.")]})
    return name_ja, name_en


def _category_parent(tenant: Tenant, parent: Any, category: Any = None) -> Any:
    if parent is None:
        return None
    if parent.tenant_id != tenant.pk:
        raise ValidationError({"parent": [_("Choose one of this account's categories.")]})
    if category is not None:
        walk = parent
        while walk is not None:
            if walk.pk == category.pk:
                raise ValidationError(
                    {"parent": [_("A category cannot be placed under itself or its children.")]}
                )
            walk = walk.parent
    return parent


@transaction.atomic
def category_create(
    *, tenant: Tenant, name_ja: str, name_en: str = "", parent: Any = None, actor: Any = None
) -> TicketCategory:
    name_ja, name_en = _category_names(name_ja, name_en)
    parent = _category_parent(tenant, parent)
    if TicketCategory.objects.filter(tenant=tenant, parent=parent, name_ja=name_ja).exists():
        raise ValidationError({"name_ja": [_("A category with this name is already there.")]})
    last = (
        TicketCategory.objects.filter(tenant=tenant, parent=parent)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    return TicketCategory.objects.create(
        tenant=tenant,
        parent=parent,
        name_ja=name_ja,
        name_en=name_en,
        position=(last or 0) + 1,
    )


@transaction.atomic
def category_update(
    *,
    tenant: Tenant,
    category: TicketCategory,
    actor: Any = None,
    name_ja: str | None = None,
    name_en: str | None = None,
    parent: Any = ...,
    is_active: bool | None = None,
) -> TicketCategory:
    """Rename, move under another parent (or to the top with None), (de)activate. A
    deactivated category stays on its tickets but cannot be chosen for new ones; its
    children are hidden from the choices with it."""
    if category.tenant_id != tenant.pk:
        raise ValueError("category_update across tenants")
    if name_ja is not None or name_en is not None:
        category.name_ja, category.name_en = _category_names(
            category.name_ja if name_ja is None else name_ja,
            category.name_en if name_en is None else name_en,
        )
    if parent is not ...:
        category.parent = _category_parent(tenant, parent, category)
    if is_active is not None:
        category.is_active = is_active
    clash = (
        TicketCategory.objects.filter(
            tenant=tenant, parent=category.parent, name_ja=category.name_ja
        )
        .exclude(pk=category.pk)
        .exists()
    )
    if clash:
        raise ValidationError({"name_ja": [_("A category with this name is already there.")]})
    category.save()
    return category


@transaction.atomic
def category_move(*, tenant: Tenant, category: TicketCategory, direction: str) -> None:
    """Swap with the sibling above ("up") or below ("down"); positions renumbered in one
    UPDATE … FROM (VALUES …)."""
    siblings = list(
        TicketCategory.objects.select_for_update()
        .filter(tenant=tenant, parent_id=category.parent_id)
        .order_by("position", "id")
    )
    ids = [c.pk for c in siblings]
    index = ids.index(category.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ids):
        return
    ids[index], ids[other] = ids[other], ids[index]
    values = ", ".join(["(%s, %s)"] * len(ids))
    params: list[Any] = []
    for position, pk in enumerate(ids, start=1):
        params += [pk, position]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE support_ticketcategory c SET position = v.position "
            f"FROM (VALUES {values}) AS v(id, position) WHERE c.id = v.id AND c.tenant_id = %s",
            [*params, tenant.pk],
        )


@transaction.atomic
def category_delete(*, tenant: Tenant, category: TicketCategory, actor: Any = None) -> None:
    """Only an unused category with no children goes; otherwise a message that says to
    deactivate it instead (its tickets keep it)."""
    in_use = Ticket.objects.filter(tenant=tenant, category=category).exists()
    has_children = TicketCategory.objects.filter(tenant=tenant, parent=category).exists()
    if in_use or has_children:
        raise ValidationError(
            _(
                "“%(name)s” is used by inquiries or has subcategories, so it cannot be deleted. "
                "Deactivate it instead: it stays on existing inquiries but cannot be chosen."
            )
            % {"name": category.name}
        )
    category.delete()


@transaction.atomic
def team_create(*, tenant: Tenant, name: str, email: str = "", actor: Any = None) -> SupportTeam:
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError({"name": [_("Enter the team's name.")]})
    if SupportTeam.objects.filter(tenant=tenant, name=name).exists():
        raise ValidationError({"name": [_("A team with this name is already there.")]})
    email = (email or "").strip()
    if email:
        try:
            email = normalize_email(email)
        except NormalizationError as exc:
            raise ValidationError({"email": [str(exc)]}) from None
    return SupportTeam.objects.create(tenant=tenant, name=name, email=email)


@transaction.atomic
def team_update(
    *, tenant: Tenant, team: SupportTeam, name: str, email: str = "", actor: Any = None
) -> SupportTeam:
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError({"name": [_("Enter the team's name.")]})
    if SupportTeam.objects.filter(tenant=tenant, name=name).exclude(pk=team.pk).exists():
        raise ValidationError({"name": [_("A team with this name is already there.")]})
    email = (email or "").strip()
    if email:
        try:
            email = normalize_email(email)
        except NormalizationError as exc:
            raise ValidationError({"email": [str(exc)]}) from None
    team.name, team.email = name, email
    team.save(update_fields=["name", "email"])
    return team


@transaction.atomic
def team_delete(*, tenant: Tenant, team: SupportTeam, actor: Any = None) -> None:
    """The team's tickets keep their assignee and lose the team (SET_NULL)."""
    team.delete()


@transaction.atomic
def team_member_add(*, tenant: Tenant, team: SupportTeam, user: Any) -> None:
    from crm.core.models import Membership

    if not Membership.objects.filter(tenant=tenant, user_id=user.pk, is_active=True).exists():
        raise ValidationError({"user": [_("Choose a member of this account.")]})
    SupportTeamMember.objects.get_or_create(tenant=tenant, team=team, user=user)


@transaction.atomic
def team_member_remove(*, tenant: Tenant, team: SupportTeam, user_id: int) -> None:
    SupportTeamMember.objects.filter(tenant=tenant, team=team, user_id=user_id).delete()
