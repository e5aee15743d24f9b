"""Tenant A's inquiry (with a reply and a note), category and team for the isolation walker
and the role matrix."""

from __future__ import annotations

from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from crm.core.models import Membership
    from crm.core.roles import Role
    from support.tickets import services
    from support.tickets.models import SupportTeam, TicketCategory

    owner = Membership.objects.filter(tenant=tenant, role=Role.OWNER).select_related("user")
    user = owner.first().user  # type: ignore[union-attr]
    ns.ticket_category = TicketCategory.objects.create(tenant=tenant, name_ja=f"{MARKER} 請求")
    ns.support_team = SupportTeam.objects.create(tenant=tenant, name=f"{MARKER} 一次対応")
    ns.ticket = services.ticket_create(
        tenant=tenant,
        subject=f"{MARKER} 請求書の再発行",
        body=f"{MARKER} 再発行してください",
        requester_email="alpha-customer@example.jp",
        requester_name=f"{MARKER} 顧客",
        category=ns.ticket_category,
        team=ns.support_team,
    )
    services.ticket_message_post(
        tenant=tenant, ticket=ns.ticket, actor=user, kind="reply", body=f"{MARKER} 承知しました"
    )
    services.ticket_message_post(
        tenant=tenant, ticket=ns.ticket, actor=user, kind="note", body=f"{MARKER} メモ"
    )


ROUTES = {
    "support:ticket_detail": lambda ns: {"ticket_id": ns.ticket.pk},
    "support:ticket_reply": lambda ns: {"ticket_id": ns.ticket.pk},
    "support:ticket_edit": lambda ns: {"ticket_id": ns.ticket.pk},
    "support:ticket_lock": lambda ns: {"ticket_id": ns.ticket.pk},
    "support:ticket_assign_me": lambda ns: {"ticket_id": ns.ticket.pk},
    "support:category_edit": lambda ns: {"category_id": ns.ticket_category.pk},
    "support:team_edit": lambda ns: {"team_id": ns.support_team.pk},
    "ticket-detail": lambda ns: {"pk": ns.ticket.pk},
    "ticket-messages": lambda ns: {"pk": ns.ticket.pk},
    "ticket-category-detail": lambda ns: {"pk": ns.ticket_category.pk},
    "support-team-detail": lambda ns: {"pk": ns.support_team.pk},
}
