"""The ticket detail page's mail panel: where replies go and how recent mails fared."""

from __future__ import annotations

from typing import Any

from crm.core.models import Tenant

from . import selectors, services


def mail_panel_context(*, tenant: Tenant, membership: Any, ticket: Any) -> dict[str, Any]:
    return {
        "mail_to": ticket.requester_email,
        "mail_reply_to": services.inbound_address(tenant=tenant, mail_key=ticket.mail_key),
        "mail_outbox": selectors.ticket_outbox(tenant=tenant, ticket=ticket),
    }
