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
