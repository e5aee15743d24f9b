"""CTI writes: settings (secret, extensions), call events from the webhook, and what an agent
does from the pop (log the outcome, create the caller as a contact, dismiss).

Every call that can be tied to a contact has exactly one timeline entry (kind "call"): the
first event creates it, later events and the agent's outcome update the same entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.forms import call_outcome_label
from contacts.models import Contact, Interaction, InteractionKind
from contacts.services import CALL_OUTCOMES, contact_create, timeline_add
from crm.core import normalize
from crm.core.models import AuditLog, Membership, Tenant, User
from crm.core.services.audit import audit_record

from .models import STATE_ORDER, CallState, CtiCall, CtiEvent, CtiExtension, CtiSettings

SIGNATURE_PREFIX = "sha256="
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
EXTENSION_RE = re.compile(r"^[0-9*#+]{1,20}$")
MATCH_LIMIT = 6  # the best match plus up to five others listed in the pop


# --- settings ---------------------------------------------------------------------------------
def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@transaction.atomic
def cti_secret_rotate(*, tenant: Tenant, actor: Any = None) -> CtiSettings:
    """Creates the tenant's signing secret, or replaces it: the old one stops working at
    once. The audit entry records that it changed, never the value."""
    current = CtiSettings.objects.select_for_update().filter(tenant=tenant).first()
    now = timezone.now()
    if current is None:
        current = CtiSettings.objects.create(
            tenant=tenant, secret=_new_secret(), secret_created_at=now
        )
        action = AuditLog.Action.CREATE
    else:
        current.secret = _new_secret()
        current.secret_created_at = now
        current.save(update_fields=["secret", "secret_created_at", "updated_at"])
        action = AuditLog.Action.UPDATE
    audit_record(
        tenant=tenant,
        action=action,
        obj=current,
        actor=actor,
        changes={"secret": ["(hidden)", "(new secret)"]},
    )
    return current


def cti_secret_reveal(*, tenant: Tenant, actor: Any = None) -> str:
    """The secret, for an admin to paste into the telephony system; each reveal is audited."""
    current = CtiSettings.objects.filter(tenant=tenant).first()
    if current is None:
        raise ValidationError({"secret": [_("Generate a signing secret first.")]})
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.OTHER,
        obj=current,
        actor=actor,
        changes={"secret": ["revealed", "revealed"]},
    )
    return current.secret


def clean_extension(value: str) -> str:
    text = normalize.to_halfwidth(value or "").strip().replace("-", "")
    if not EXTENSION_RE.match(text):
        raise ValidationError(
            {"extension": [_("Enter the extension as digits (and * # +), e.g. 201.")]}
        )
    return text


@transaction.atomic
def cti_extension_set(
    *, tenant: Tenant, user_id: int, extension: str, actor: Any = None
) -> CtiExtension:
    """Gives an active member an extension (replacing the one they had)."""
    number = clean_extension(extension)
    membership = (
        Membership.objects.filter(tenant=tenant, user_id=user_id, is_active=True)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise ValidationError({"user": [_("Choose an active member of this tenant.")]})
    taken = (
        CtiExtension.objects.filter(tenant=tenant, extension=number)
        .exclude(user_id=user_id)
        .select_related("user")
        .first()
    )
    if taken is not None:
        raise ValidationError(
            {
                "extension": [
                    _("Extension %(ext)s is already %(user)s's. Remove it there first.")
                    % {"ext": number, "user": taken.user}
                ]
            }
        )
    row = CtiExtension.objects.filter(tenant=tenant, user_id=user_id).first()
    before = row.extension if row else None
    if row is None:
        row = CtiExtension(tenant=tenant, user_id=user_id, extension=number)
    row.extension = number
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # a concurrent assignment of the same number
        raise ValidationError(
            {
                "extension": [
                    _("Extension %(ext)s was just given to someone else.") % {"ext": number}
                ]
            }
        ) from None
    if before != number:
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.CREATE if before is None else AuditLog.Action.UPDATE,
            obj=row,
            object_repr=f"{membership.user} → {number}",
            actor=actor,
            changes={"extension": [before, number]},
        )
    return row


@transaction.atomic
def cti_extension_remove(*, tenant: Tenant, row: CtiExtension, actor: Any = None) -> None:
    deleted, _rows = CtiExtension.objects.filter(tenant=tenant, pk=row.pk).delete()
    if deleted:
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.DELETE,
            obj=row,
            actor=actor,
            changes={"extension": [row.extension, None]},
        )


# --- the webhook ------------------------------------------------------------------------------
class SignatureError(Exception):
    """The request is not provably from this tenant's telephony system."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 over `<timestamp>.<raw body>` (the timestamp is signed
    too, so a captured request cannot be replayed later with a fresh timestamp)."""
    message = timestamp.encode() + b"." + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    *, tenant_slug: str, timestamp: str, signature: str, body: bytes, now: dt.datetime | None = None
) -> Tenant:
    """The tenant that signed this body, or SignatureError. Unknown tenant, tenant without
    CTI and wrong signature give the same answer, so the endpoint reveals nothing."""
    from crm.core.context import tenant_context

    bad = SignatureError(
        "invalid_signature",
        _("The signature does not match. Sign the raw body with your tenant's CTI secret."),
    )
    if not (tenant_slug and timestamp and signature):
        raise SignatureError(
            "missing_signature",
            _("Send the X-CRM-Tenant, X-CRM-Timestamp and X-CRM-Signature headers."),
        )
    if not timestamp.isdigit():
        raise SignatureError(
            "stale_timestamp", _("X-CRM-Timestamp must be the Unix time in seconds.")
        )
    sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    if abs((now or timezone.now()) - sent) > MAX_CLOCK_SKEW:
        raise SignatureError(
            "stale_timestamp",
            _("The timestamp is more than 5 minutes off. Check the sending system's clock."),
        )
    tenant = Tenant.objects.filter(slug=tenant_slug).first()
    if tenant is None:
        raise bad
    with tenant_context(tenant):
        settings_row = CtiSettings.objects.filter(tenant=tenant).first()
    if settings_row is None:
        raise bad
    expected = sign(settings_row.secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise bad
    return tenant


@dataclass(frozen=True)
class CallEvent:
    call_id: str
    event: str
    caller: str
    extension: str
    occurred_at: dt.datetime
    duration_seconds: int | None = None
    direction: str = "inbound"


def match_contacts(*, tenant: Tenant, number: str) -> list[Contact]:
    """Live contacts whose phone or mobile is this number in any format, most recently
    updated first. An unusable number (withheld, 'anonymous') matches nobody."""
    try:
        e164 = normalize.normalize_phone(number)
    except normalize.NormalizationError:
        return []
    if not e164:
        return []
    return list(
        Contact.objects.filter(tenant=tenant, deleted_at=None)
        .filter(Q(phone=e164) | Q(mobile=e164))
        .order_by("-updated_at", "-id")[:MATCH_LIMIT]
    )


def _caller_e164(number: str) -> str:
    try:
        return normalize.normalize_phone(number)
    except normalize.NormalizationError:
        return ""


def _agent_for(tenant: Tenant, extension: str) -> User | None:
    if not extension:
        return None
    row = (
        CtiExtension.objects.filter(tenant=tenant, extension=extension)
        .select_related("user")
        .first()
    )
    if row is None:
        return None
    active = Membership.objects.filter(tenant=tenant, user_id=row.user_id, is_active=True).exists()
    return row.user if active else None


def _call_subject(call: CtiCall) -> str:
    if call.outcome:
        return str(call_outcome_label(call.outcome))
    number = normalize.format_phone(call.caller_number) if call.caller_number else call.caller_raw
    if call.state == CallState.RINGING:
        return _("Incoming call from %(number)s") % {"number": number or _("unknown number")}
    if call.state == CallState.ANSWERED:
        return _("Call from %(number)s (answered)") % {"number": number or _("unknown number")}
    return _("Call from %(number)s") % {"number": number or _("unknown number")}


def _call_data(call: CtiCall) -> dict[str, Any]:
    minutes = None
    if call.duration_seconds is not None:
        minutes = (call.duration_seconds + 59) // 60
    return {
        "call_id": call.call_id,
        "direction": call.direction,
        "state": call.state,
        "outcome": call.outcome,
        "from": call.caller_number or call.caller_raw,
        "extension": call.extension,
        "duration_seconds": call.duration_seconds,
        "duration_minutes": minutes,
    }


def _sync_timeline(tenant: Tenant, call: CtiCall, body: str | None = None) -> None:
    """Creates the call's one timeline entry, or brings it up to date."""
    if call.contact_id is None:
        return
    if call.interaction_id is None:
        call.interaction = timeline_add(
            tenant=tenant,
            contact=call.contact,
            kind=InteractionKind.CALL,
            occurred_at=call.started_at,
            subject=_call_subject(call),
            body=body or "",
            data=_call_data(call),
            actor=call.agent,
            ref_type="contacts.cticall",
            ref_id=str(call.pk),
        )
        CtiCall.objects.filter(tenant=tenant, pk=call.pk).update(interaction=call.interaction)
        return
    fields: dict[str, Any] = {"subject": _call_subject(call)[:200], "data": _call_data(call)}
    if call.agent_id is not None:
        fields["actor_id"] = call.agent_id
    if body is not None:
        fields["body"] = body
    Interaction.objects.filter(tenant=tenant, pk=call.interaction_id).update(**fields)


@transaction.atomic
def cti_call_event_record(*, tenant: Tenant, event: CallEvent) -> tuple[CtiCall, bool]:
    """Applies one webhook event. Returns (call, applied): a repeated delivery of the same
    (call id, event) changes nothing and returns applied=False. Events may arrive out of
    order; the call's state only moves forward (ringing → answered → ended)."""
    if event.event not in CallState.values:
        raise ValueError(f"unknown call event {event.event!r}")
    agent = _agent_for(tenant, event.extension)
    caller_number = _caller_e164(event.caller)
    call, created = CtiCall.objects.get_or_create(
        tenant=tenant,
        call_id=event.call_id,
        defaults={
            "direction": event.direction,
            "caller_raw": event.caller[:64],
            "caller_number": caller_number,
            "extension": event.extension,
            "agent": agent,
            "state": event.event,
            "started_at": event.occurred_at,
        },
    )
    try:
        with transaction.atomic():
            CtiEvent.objects.create(
                tenant=tenant,
                call=call,
                external_id=event.call_id,
                event=event.event,
                occurred_at=event.occurred_at,
            )
    except IntegrityError:
        return call, False  # already delivered: idempotent
    call = CtiCall.objects.select_for_update(of=("self",)).select_related("contact").get(pk=call.pk)
    if created:
        matches = match_contacts(tenant=tenant, number=event.caller)
        call.matched_contact_ids = [c.pk for c in matches]
        call.contact = matches[0] if matches else None
    if STATE_ORDER[CallState(event.event)] > STATE_ORDER[CallState(call.state)]:
        call.state = event.event
    if event.occurred_at < call.started_at:
        call.started_at = event.occurred_at
    if event.event == CallState.ANSWERED:
        call.answered_at = event.occurred_at
        if agent is not None:  # picked up at another desk: that agent has the call now
            call.agent = agent
            call.extension = event.extension
    elif event.event == CallState.ENDED:
        call.ended_at = event.occurred_at
        if event.duration_seconds is not None:
            call.duration_seconds = event.duration_seconds
        elif call.answered_at is not None:
            call.duration_seconds = max(0, int((call.ended_at - call.answered_at).total_seconds()))
    if call.agent_id is None and agent is not None:
        call.agent = agent
    call.save()
    _sync_timeline(tenant, call)
    return call, True


# --- from the pop -----------------------------------------------------------------------------
@transaction.atomic
def cti_call_log_outcome(
    *, tenant: Tenant, call: CtiCall, actor: Any, outcome: str, body: str = ""
) -> CtiCall:
    """The agent's outcome goes on the call's timeline entry; the pop then closes."""
    if outcome not in CALL_OUTCOMES:
        raise ValidationError({"outcome": [_("Choose how the call went.")]})
    call = CtiCall.objects.select_for_update(of=("self",)).select_related("contact").get(pk=call.pk)
    if call.contact_id is None:
        raise ValidationError(
            {"outcome": [_("Create the contact first: the call is logged on their timeline.")]}
        )
    call.outcome = outcome
    if call.agent_id is None and isinstance(actor, User):
        call.agent = actor
    call.save(update_fields=["outcome", "agent", "updated_at"])
    _sync_timeline(tenant, call, body=body.strip()[:10000])
    return call


@transaction.atomic
def cti_call_create_contact(*, tenant: Tenant, call: CtiCall, actor: Any) -> Contact:
    """An unknown caller becomes a contact with the number filled in; the call is logged on
    the new contact's timeline. The agent completes the name on the edit form."""
    call = CtiCall.objects.select_for_update().get(pk=call.pk)
    if call.contact_id is not None:
        return Contact.objects.get(tenant=tenant, pk=call.contact_id)
    number = call.caller_number
    if not number:
        raise ValidationError(
            {"phone": [_("The caller's number was withheld, so there is nothing to save.")]}
        )
    contact = contact_create(tenant=tenant, actor=actor, phone=number, source="phone")
    call.contact = contact
    call.matched_contact_ids = [contact.pk]
    call.save(update_fields=["contact", "matched_contact_ids", "updated_at"])
    _sync_timeline(tenant, call)
    return contact


def cti_call_dismiss(*, tenant: Tenant, call: CtiCall) -> None:
    CtiCall.objects.filter(tenant=tenant, pk=call.pk, dismissed_at=None).update(
        dismissed_at=timezone.now()
    )
