"""The SLA clock of a ticket driven by the ticket services: policy choice, due times on
creation, first response, pause while pending, resume, resolution, re-pick on change."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from crm.core.context import tenant_context
from support.sla import services
from support.sla.models import SlaRecord, TicketSla
from support.tickets import services as ticket_services
from support.tickets.models import Status, Ticket

from .helpers import make_category, make_message, make_ticket
from .sla_helpers import frozen, make_calendar, make_policy

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def at(d: int, h: int, mi: int = 0, mo: int = 12, y: int = 2026) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=TOKYO)


def reload(tenant, ticket):
    with tenant_context(tenant):
        return Ticket.objects.get(pk=ticket.pk)


def pick(tenant, priority="normal", category=None):
    with tenant_context(tenant):
        return services.pick_policy(
            tenant=tenant, priority=priority, category_id=category.pk if category else None
        )


def test_the_most_specific_active_policy_wins(tenant) -> None:
    cal = make_calendar(tenant)
    billing = make_category(tenant, "請求")
    refund = make_category(tenant, "返金", parent=billing)
    default = make_policy(tenant, cal, name="any", position=0)
    urgent = make_policy(tenant, cal, name="urgent", priority="urgent", position=1)
    by_cat = make_policy(tenant, cal, name="billing", category=billing, position=2)
    both = make_policy(tenant, cal, name="urgent billing", priority="urgent", category=billing)
    make_policy(tenant, cal, name="off", priority="high", is_active=False)
    assert pick(tenant) == default
    assert pick(tenant, "high") == default  # the inactive one does not count
    assert pick(tenant, "urgent") == urgent
    assert pick(tenant, "normal", billing) == by_cat
    assert pick(tenant, "normal", refund) == by_cat  # a category's children match
    assert pick(tenant, "urgent", refund) == both
    nearer = make_policy(tenant, cal, name="refund", category=refund)
    assert pick(tenant, "normal", refund) == nearer


def test_no_policy_means_no_clock(tenant) -> None:
    ticket = make_ticket(tenant)
    assert ticket.sla_due_at is None and ticket.first_response_due_at is None


def test_a_new_ticket_gets_due_times_in_business_hours(tenant) -> None:
    make_policy(tenant, make_calendar(tenant), first_response_minutes=120, resolution_minutes=600)
    with frozen(at(1, 11)):  # Tuesday 11:00
        ticket = make_ticket(tenant)
    assert ticket.first_response_due_at == at(1, 14)  # lunch skipped
    assert ticket.resolution_due_at == at(2, 14)  # 11–12, 13–18, then 9–12, 13–14 next day
    assert ticket.sla_due_at == ticket.first_response_due_at
    ticket = reload(tenant, ticket)
    assert ticket.sla_due_at == at(1, 14)


def test_a_reply_meets_the_first_response_and_moves_the_due_to_resolution(tenant) -> None:
    make_policy(tenant, make_calendar(tenant))
    with frozen(at(1, 10)):
        ticket = make_ticket(tenant)
    with frozen(at(1, 10, 30)):
        make_message(tenant, ticket)
    ticket = reload(tenant, ticket)
    assert ticket.sla_due_at == ticket.resolution_due_at == at(2, 10)
    with tenant_context(tenant):
        record = SlaRecord.objects.get(ticket=ticket)
    assert (record.target, record.outcome, record.met_at) == (
        "first_response",
        "met",
        at(1, 10, 30),
    )
    # A second reply writes nothing more.
    make_message(tenant, ticket)
    with tenant_context(tenant):
        assert SlaRecord.objects.filter(ticket=ticket).count() == 1


def test_a_late_reply_is_recorded_as_breached(tenant) -> None:
    make_policy(tenant, make_calendar(tenant), first_response_minutes=30)
    with frozen(at(1, 9)):
        ticket = make_ticket(tenant)
    with frozen(at(1, 10)):
        make_message(tenant, ticket)
    with tenant_context(tenant):
        record = SlaRecord.objects.get(ticket=ticket)
    assert record.outcome == "breached" and record.breached_at == at(1, 9, 30)


def update(tenant, ticket, **fields):
    with tenant_context(tenant):
        return ticket_services.ticket_update(tenant=tenant, ticket=ticket, **fields)


def test_pending_pauses_and_resuming_moves_the_due_times_by_business_time(tenant) -> None:
    make_policy(tenant, make_calendar(tenant), first_response_minutes=60, resolution_minutes=480)
    with frozen(at(1, 9)):
        ticket = make_ticket(tenant)
    assert ticket.resolution_due_at == at(1, 18)
    with frozen(at(1, 10)):
        make_message(tenant, ticket)
        ticket = update(tenant, ticket, status=Status.PENDING)
    assert ticket.sla_due_at is None and ticket.sla_paused_at == at(1, 10)
    # Paused 10:00 → next day 11:00: 7 h on Tuesday (lunch excluded) + 2 h Wednesday = 9 h.
    with frozen(at(2, 11)):
        ticket = update(tenant, ticket, status=Status.OPEN)
    assert ticket.sla_paused_at is None
    assert ticket.resolution_due_at == at(3, 10)  # 18:00 Tue + 9 business hours
    assert ticket.sla_due_at == ticket.resolution_due_at
    with tenant_context(tenant):
        assert TicketSla.objects.get(ticket=ticket).paused_minutes == 540
    ticket = reload(tenant, ticket)
    assert ticket.resolution_due_at == at(3, 10)


def test_a_customer_message_resumes_a_pending_ticket(tenant) -> None:
    make_policy(tenant, make_calendar(tenant))
    with frozen(at(1, 9)):
        ticket = make_ticket(tenant)
        ticket = update(tenant, ticket, status=Status.PENDING)
    with frozen(at(1, 11)):
        make_message(tenant, ticket, kind="customer", body="追記です")
    ticket = reload(tenant, ticket)
    assert ticket.status == Status.OPEN and ticket.sla_paused_at is None
    assert ticket.first_response_due_at == at(1, 12)  # 9:00 + 1 h + 2 h paused


def test_resolving_records_the_resolution_and_stops_the_clock(tenant) -> None:
    make_policy(tenant, make_calendar(tenant))
    with frozen(at(1, 9)):
        ticket = make_ticket(tenant)
    with frozen(at(1, 9, 30)):
        make_message(tenant, ticket)
    with frozen(at(1, 15)):
        ticket = update(tenant, ticket, status=Status.RESOLVED)
    assert ticket.sla_due_at is None
    with tenant_context(tenant):
        outcomes = dict(SlaRecord.objects.filter(ticket=ticket).values_list("target", "outcome"))
    assert outcomes == {"first_response": "met", "resolution": "met"}
    # Closing afterwards records nothing new.
    update(tenant, ticket, status=Status.CLOSED)
    with tenant_context(tenant):
        assert SlaRecord.objects.filter(ticket=ticket).count() == 2


def test_a_priority_change_re_picks_the_policy_from_created_at(tenant) -> None:
    cal = make_calendar(tenant)
    make_policy(tenant, cal, first_response_minutes=240)
    make_policy(
        tenant,
        cal,
        name="urgent",
        priority="urgent",
        first_response_minutes=30,
        resolution_minutes=120,
    )
    with frozen(at(1, 9)):
        ticket = make_ticket(tenant)
    assert ticket.first_response_due_at == at(1, 14)
    with frozen(at(1, 9, 10)):
        ticket = update(tenant, ticket, priority="urgent")
    assert ticket.first_response_due_at == at(1, 9, 30)
    assert ticket.resolution_due_at == at(1, 11)
    assert ticket.sla_due_at == at(1, 9, 30)


def test_a_category_change_to_one_without_policy_clears_the_clock(tenant) -> None:
    cal = make_calendar(tenant)
    billing = make_category(tenant, "請求")
    make_policy(tenant, cal, category=billing)
    ticket = make_ticket(tenant, category=billing)
    assert ticket.sla_due_at is not None
    ticket = update(tenant, ticket, category=None)
    assert ticket.sla_due_at is None and ticket.first_response_due_at is None
