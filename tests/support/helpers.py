"""Small builders for support tests, over the services (shared by every part of support).

Each builder enters the tenant's context itself, so a test can call it with or without an
active `tenant_context`."""

from __future__ import annotations

from typing import Any

from crm.core.context import tenant_context
from crm.core.roles import Role
from crm.core.services.tenants import membership_add
from support.tickets import services
from support.tickets.models import (
    Channel,
    MessageKind,
    SupportTeam,
    SupportTeamMember,
    Ticket,
    TicketCategory,
    TicketMessage,
)
from tests.factories import make_member, make_user


def make_ticket(tenant: Any, **kw: Any) -> Ticket:
    """A ticket through `ticket_create` (number, first message, history, hooks).

    Defaults: subject 「請求書の再発行について」, body, channel e-mail, requester
    customer@example.jp (a contact is found or created for it). Any ticket_create keyword
    works (contact=, category=, priority=, status=, assignee=, team=, tags=, ...)."""
    kw.setdefault("subject", "請求書の再発行について")
    kw.setdefault("body", "先月分の請求書を再発行してください。")
    kw.setdefault("channel", Channel.EMAIL)
    if "contact" not in kw:
        kw.setdefault("requester_email", "customer@example.jp")
        kw.setdefault("requester_name", "山田 太郎")
    with tenant_context(tenant):
        return services.ticket_create(tenant=tenant, **kw)


def make_message(
    tenant: Any, ticket: Ticket, *, kind: str = MessageKind.REPLY, body: str = "", **kw: Any
) -> TicketMessage:
    """A message on a ticket through `ticket_message_add` (reply by default)."""
    with tenant_context(tenant):
        return services.ticket_message_add(
            tenant=tenant,
            ticket=ticket,
            kind=kind,
            body=body or "ご連絡ありがとうございます。",
            **kw,
        )


def make_category(tenant: Any, name: str = "請求", *, parent: Any = None, **kw: Any) -> Any:
    with tenant_context(tenant):
        return TicketCategory.objects.create(tenant=tenant, name_ja=name, parent=parent, **kw)


def make_team(tenant: Any, name: str = "一次対応", *, members: tuple[Any, ...] = ()) -> Any:
    with tenant_context(tenant):
        team = SupportTeam.objects.create(tenant=tenant, name=name)
        for user in members:
            SupportTeamMember.objects.create(tenant=tenant, team=team, user=user)
        return team


def make_agent(
    tenant: Any, email: str | None = None, *, display_name: str = "", role: str = Role.SUPPORT
) -> Any:
    """A member of the tenant (support role by default), with a display name if given."""
    if not display_name:
        return make_member(tenant, role, email=email)
    user = make_user(email, display_name=display_name)
    membership_add(tenant=tenant, user=user, role=role)
    return user
