"""Tenant A's reply templates (shared and personal) and a resolved ticket with a reply, for
the isolation walker and the role matrix."""

from __future__ import annotations

from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from crm.core.models import Membership
    from crm.core.roles import Role
    from support.replies import services
    from support.tickets import services as tickets
    from support.tickets.models import MessageKind, Status

    owner = (
        Membership.objects.filter(tenant=tenant, role=Role.OWNER).select_related("user").first()
    ).user  # type: ignore[union-attr]
    ns.reply_template = services.template_create(
        tenant=tenant,
        actor=owner,
        name=f"{MARKER} template",
        body=f"{{{{contact.last_name}}}} 様 {MARKER}",
        shortcut="/alphaonly",
    )
    ns.reply_ticket = tickets.ticket_create(
        tenant=tenant,
        subject=f"{MARKER} 返品について",
        body=f"{MARKER} 返品したい",
        requester_email="replies-sample@example.jp",
        requester_name=f"{MARKER} 山田",
    )
    tickets.ticket_message_add(
        tenant=tenant, ticket=ns.reply_ticket, kind=MessageKind.REPLY, body=f"{MARKER} answer"
    )
    tickets.ticket_update(tenant=tenant, ticket=ns.reply_ticket, status=Status.RESOLVED)


ROUTES = {
    "support:template_edit": lambda ns: {"template_id": ns.reply_template.pk},
    "support:template_delete": lambda ns: {"template_id": ns.reply_template.pk},
    "support:template_render": lambda ns: {
        "template_id": ns.reply_template.pk,
        "ticket_id": ns.reply_ticket.pk,
    },
    "support:ticket_similar": lambda ns: {"ticket_id": ns.reply_ticket.pk},
    "reply-template-detail": lambda ns: {"pk": ns.reply_template.pk},
    "reply-template-render": lambda ns: {"pk": ns.reply_template.pk},
    "ticket-similar": lambda ns: {"ticket_id": ns.reply_ticket.pk},
}
