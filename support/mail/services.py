"""Mail to and from customers about their tickets.

`mail_to_customer` is the one door the other parts (CSAT links, auto-acknowledgements,
notifications to requesters) use to write to a customer about a ticket. Until the outbox
lands it sends on commit with Django's mail; the outbox keeps this signature.
"""

from __future__ import annotations

from typing import Any

from django.core.mail import send_mail
from django.db import transaction

from crm.core.models import Tenant


def mail_to_customer(
    *,
    tenant: Tenant,
    ticket: Any,
    subject: str,
    body: str,
    kind: str,
    dedupe_key: str = "",
    to: str = "",
) -> None:
    """Sends `body` (plain text) to the ticket's requester (or `to`) after commit.
    `kind` names the purpose ("reply", "ack", "csat", ...); `dedupe_key` makes a retried
    caller send once (honoured by the outbox)."""
    address = to or ticket.requester_email or getattr(ticket.contact, "email", "")
    if not address:
        return
    transaction.on_commit(lambda: send_mail(subject, body, None, [address]))
