"""CSAT writes: the request made when a ticket is resolved (and its mail), the customer's
rating. The public page and the API call `csat_submit`; the ticket hook calls
`csat_request_for_resolution`."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.core.models import Tenant
from support.tickets.models import DONE_STATUSES, Ticket

from .models import CSAT_VALID_DAYS, RATINGS, CsatRequest

COMMENT_MAX = 2000


class CsatError(Exception):
    """Why a rating cannot be taken: `code` is invalid, expired or rated."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class CsatInputError(Exception):
    """The customer's input needs fixing (the messages say what, in their language)."""

    errors: dict[str, str]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csat_url(*, tenant: Tenant, token: str) -> str:
    path = reverse("portal:csat", kwargs={"tenant_slug": tenant.slug, "token": token})
    base = settings.SITE_URL
    return f"{base.rstrip('/')}{path}" if base else path


def csat_request_for_resolution(
    *, tenant: Tenant, ticket: Ticket, send: bool = True
) -> tuple[CsatRequest, str] | None:
    """One request per resolution (ticket + its resolved_at): a second call for the same
    resolution returns None and sends nothing. Mails the link in the ticket's language."""
    if ticket.tenant_id != tenant.pk:
        raise ValueError("csat_request_for_resolution across tenants")
    if ticket.resolved_at is None:
        return None
    token = secrets.token_urlsafe(32)  # 32 random bytes
    now = timezone.now()
    try:
        with transaction.atomic():
            request = CsatRequest.objects.create(
                tenant=tenant,
                ticket=ticket,
                token_hash=token_hash(token),
                resolved_at=ticket.resolved_at,
                agent_id=ticket.assignee_id,
                category_id=ticket.category_id,
                language=ticket.language or tenant.language or "ja",
                created_at=now,
                expires_at=now + dt.timedelta(days=CSAT_VALID_DAYS),
            )
    except IntegrityError:
        return None  # this resolution was asked about already
    if send:
        _send_link(tenant=tenant, ticket=ticket, request=request, token=token)
    return request, token


def _send_link(*, tenant: Tenant, ticket: Ticket, request: CsatRequest, token: str) -> None:
    from support.mail.services import mail_to_customer

    with translation.override(request.language):
        subject = _("How did we do? Inquiry #%(number)s") % {"number": ticket.number}
        name = ticket.requester_name or (str(ticket.contact) if ticket.contact_id else "")
        greeting = (_("Dear %(name)s,") % {"name": name}) if name else _("Hello,")
        body = "\n\n".join(
            [
                greeting,
                _(
                    "Your inquiry “%(subject)s” (#%(number)s) has been resolved. "
                    "Please tell us how satisfied you are with our answer: "
                    "one click, and a comment if you like."
                )
                % {"subject": ticket.subject, "number": ticket.number},
                csat_url(tenant=tenant, token=token),
                _("The link works once and for %(days)s days.") % {"days": CSAT_VALID_DAYS},
                tenant.name,
            ]
        )
    mail_to_customer(
        tenant=tenant,
        ticket=ticket,
        subject=subject,
        body=body,
        kind="csat",
        dedupe_key=f"csat:{request.pk}",
    )


def csat_find(*, tenant: Tenant, token: str) -> CsatRequest | None:
    """The request behind a link's token, in `tenant` only (None for a forged one)."""
    if not token or len(token) > 100:
        return None
    return (
        CsatRequest.objects.filter(tenant=tenant, token_hash=token_hash(token))
        .select_related("ticket")
        .first()
    )


def csat_check(request: CsatRequest | None) -> None:
    if request is None:
        raise CsatError("invalid")
    if request.is_rated:
        raise CsatError("rated")
    if request.is_expired:
        raise CsatError("expired")


def csat_clean(*, rating: Any, comment: Any) -> tuple[int, str]:
    """The rating as 1–5 and the comment trimmed, or CsatInputError saying what to fix."""
    errors: dict[str, str] = {}
    try:
        value = int(str(rating).strip())
    except (TypeError, ValueError):
        value = 0
    if value not in RATINGS:
        errors["rating"] = _("Choose a rating from 1 (very dissatisfied) to 5 (very satisfied).")
    text = str(comment or "").replace("\x00", "").strip()
    if len(text) > COMMENT_MAX:
        errors["comment"] = _(
            "The comment is %(length)s characters long; shorten it to %(max)s."
        ) % {"length": len(text), "max": COMMENT_MAX}
    if errors:
        raise CsatInputError(errors)
    return value, text


def csat_submit(*, tenant: Tenant, token: str, rating: Any, comment: Any = "") -> CsatRequest:
    """Takes the rating once. The row is locked and checked again inside the transaction,
    so two submissions racing on one link store one rating; the second gets 'rated'."""
    value, text = csat_clean(rating=rating, comment=comment)
    with transaction.atomic():
        found = csat_find(tenant=tenant, token=token)
        csat_check(found)
        assert found is not None
        request = CsatRequest.objects.select_for_update().get(tenant=tenant, pk=found.pk)
        csat_check(request)
        request.rating = value
        request.comment = text
        request.rated_at = timezone.now()
        request.save(update_fields=["rating", "comment", "rated_at"])
    return request


def on_ticket_changed(
    *, ticket: Ticket, event: str, changes: dict[str, tuple[Any, Any]] | None = None, **_: Any
) -> None:
    """Ticket hook: status moved from open work to resolved (or straight to closed) →
    a CSAT request for that resolution. resolved → closed asks nothing more."""
    if event != "changed" or not changes or "status" not in changes:
        return
    old, new = changes["status"]
    if new not in DONE_STATUSES or old in DONE_STATUSES:
        return
    csat_request_for_resolution(tenant=ticket.tenant, ticket=ticket)
