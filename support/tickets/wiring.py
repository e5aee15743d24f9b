"""What support.tickets plugs into at app start: the timeline entry of a new ticket and the
"Inquiries" panel on contact and company pages."""

from __future__ import annotations

from typing import Any


def timeline_on_created(*, event: str, ticket: Any, actor: Any = None, **_: Any) -> None:
    """One timeline entry per ticket, on its contact (and so its company), when it opens.
    Resolving or closing adds nothing (keep the timeline short)."""
    if event != "created" or ticket.contact_id is None:
        return
    from contacts.services import timeline_add

    from .services import _user

    timeline_add(
        tenant=ticket.tenant,
        contact=ticket.contact,
        kind="ticket",
        occurred_at=ticket.created_at,
        subject=f"#{ticket.number} {ticket.subject}",
        body=(ticket.body or "")[:500],
        data={"channel": ticket.channel, "number": ticket.number},
        actor=_user(actor),
        ref_type="ticket",
        ref_id=str(ticket.pk),
    )


def inquiries_panel(*, tenant: Any, membership: Any, obj: Any) -> dict[str, Any]:
    """Open and recent inquiries of a contact or a company (one query)."""
    from contacts.models import Contact

    from .selectors import contact_tickets

    if tenant is None or obj is None:
        return {"tickets": []}
    if isinstance(obj, Contact):
        return {"tickets": contact_tickets(tenant=tenant, contact_id=obj.pk), "contact": obj}
    return {"tickets": contact_tickets(tenant=tenant, company_id=obj.pk), "company": obj}


def register() -> None:
    from contacts.panels import register_detail_panel

    from . import lists
    from .hooks import on_ticket_event

    lists.register()  # the cached agents, teams and categories follow their changes
    on_ticket_event(timeline_on_created, order=20, key="support.tickets.timeline")
    for on in ("contact", "company"):
        register_detail_panel(
            on=on,  # type: ignore[arg-type]
            key="support_inquiries",
            template="support/tickets/partials/inquiries_panel.html",
            context=inquiries_panel,
            perm="support.view",
            order=40,
        )
