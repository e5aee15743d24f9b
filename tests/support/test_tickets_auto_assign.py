"""An agent who answers an unassigned inquiry takes it; an assigned one keeps its assignee."""

from __future__ import annotations

import pytest

from crm.core.context import tenant_context
from support.tickets.models import MessageKind, TicketEvent

from .helpers import make_agent, make_message, make_ticket

pytestmark = pytest.mark.django_db


def test_the_first_answer_to_an_unassigned_inquiry_assigns_it_to_the_agent(tenant) -> None:
    agent = make_agent(tenant, "first@alpha.example.com")
    ticket = make_ticket(tenant)
    make_message(tenant, ticket, kind=MessageKind.NOTE, actor=agent)
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert ticket.assignee_id is None  # a note is not an answer
    make_message(tenant, ticket, kind=MessageKind.REPLY, actor=agent)
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk
    with tenant_context(tenant):
        change = TicketEvent.objects.get(ticket=ticket, field="assignee")
    assert (change.old_value, change.new_value, change.actor_id) == ("", str(agent.pk), agent.pk)


def test_an_answer_by_someone_else_leaves_the_assignee(tenant) -> None:
    owner = make_agent(tenant, "owner@alpha.example.com")
    helper = make_agent(tenant, "helper@alpha.example.com")
    ticket = make_ticket(tenant, assignee=owner)
    make_message(tenant, ticket, kind=MessageKind.REPLY, actor=helper)
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert ticket.assignee_id == owner.pk


def test_an_automatic_reply_without_a_person_assigns_nobody(tenant) -> None:
    ticket = make_ticket(tenant)
    make_message(tenant, ticket, kind=MessageKind.REPLY)
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert ticket.assignee_id is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("山田 花子", ("山田", "花子")),
        ("山田　花子", ("山田", "花子")),
        ("山田花子", ("山田花子", "")),
        ("Jane Smith", ("Smith", "Jane")),
        ("Mary Ann O'Neil", ("O'Neil", "Mary Ann")),
        ("Smith, Jane", ("Smith", "Jane")),
        ("Renée", ("Renée", "")),
        ("", ("", "")),
    ],
)
def test_a_senders_name_is_split_in_its_own_order(name, expected) -> None:
    from support.tickets.services import sender_name_parts

    assert sender_name_parts(name) == expected


def test_an_auto_reply_from_the_customer_neither_reopens_nor_counts_as_an_answer(
    tenant,
) -> None:
    from support.tickets import services
    from support.tickets.models import Status

    ticket = make_ticket(tenant)
    with tenant_context(tenant):
        services.ticket_update(tenant=tenant, ticket=ticket, status=Status.PENDING)
        ticket.refresh_from_db()
        before = ticket.last_customer_message_at
    make_message(tenant, ticket, kind=MessageKind.CUSTOMER, body="不在です", is_auto=True)
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.last_customer_message_at == before
    make_message(tenant, ticket, kind=MessageKind.CUSTOMER, body="確認しました")
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
