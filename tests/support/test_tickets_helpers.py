"""The shared support builders make real tickets (number, first message, contact)."""

from __future__ import annotations

import pytest

from crm.core.context import tenant_context
from support.tickets.models import TicketMessage

from .helpers import make_agent, make_category, make_message, make_team, make_ticket

pytestmark = pytest.mark.django_db


def test_make_ticket_numbers_and_matches_a_contact(tenant) -> None:
    first = make_ticket(tenant)
    second = make_ticket(tenant, subject="配送について")
    assert (first.number, second.number) == (1, 2)
    assert first.contact_id is not None and first.contact_id == second.contact_id
    agent = make_agent(tenant, display_name="佐藤")
    team = make_team(tenant, members=(agent,))
    child = make_category(tenant, "返品", parent=make_category(tenant))
    make_message(tenant, first, actor=agent)
    with tenant_context(tenant):
        assert TicketMessage.objects.filter(ticket=first).count() == 2
        assert team.members.count() == 1
        assert child.parent.name == "請求"
