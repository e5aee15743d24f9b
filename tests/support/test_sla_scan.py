"""The beat's scan: warnings inside the policy's window, breaches once past due, each
notified once per ticket+target+kind and recorded once, with the right recipients; and
the real Celery path (beat entry point → per-tenant task on a worker)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from crm.core.context import tenant_context
from crm.core.models import Notification
from crm.core.roles import Role
from support.sla import services
from support.sla.models import SlaRecord, TicketSla
from support.sla.tasks import scan_all_tenants
from support.tickets import services as ticket_services
from tests.conftest import wait_until

from .helpers import make_agent, make_message, make_team, make_ticket
from .sla_helpers import frozen, make_calendar, make_policy

TOKYO = ZoneInfo("Asia/Tokyo")
T = dt.time
ALWAYS = [(d, T(0), T(0)) for d in range(7)]


def at(d: int, h: int, mi: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, d, h, mi, tzinfo=TOKYO)


def scan(tenant, now):
    with tenant_context(tenant):
        return services.sla_scan(tenant=tenant, now=now)


def notes(tenant, user=None):
    with tenant_context(tenant):
        qs = Notification.objects.filter(kind__startswith="sla_")
        if user is not None:
            qs = qs.filter(user=user)
        return list(qs.order_by("id").values_list("kind", "title", "dedupe_key"))


@pytest.mark.django_db
def test_it_warns_once_then_records_and_notifies_the_breach_once(tenant) -> None:
    agent = make_agent(tenant, "agent@alpha.example.com")
    # Notifications are written in the recipient's language (the tenant's when unset: ja).
    type(agent).objects.filter(pk=agent.pk).update(language="en")
    make_policy(tenant, make_calendar(tenant), first_response_minutes=60, warn_before_minutes=15)
    with frozen(at(1, 9)):
        ticket = make_ticket(tenant, assignee=agent)
    assert ticket.first_response_due_at == at(1, 10)

    assert scan(tenant, at(1, 9, 40)) == []  # before the window
    warned = scan(tenant, at(1, 9, 50))
    assert [(a.target, a.kind) for a in warned] == [("first_response", "warning")]
    assert scan(tenant, at(1, 9, 55)) == []  # once
    assert notes(tenant, agent) == [
        (
            "sla_warning",
            f"First response due soon: #{ticket.number} {ticket.subject}",
            f"sla:{ticket.pk}:first_response:warning",
        )
    ]

    breached = scan(tenant, at(1, 10, 1))
    assert [(a.target, a.kind) for a in breached] == [("first_response", "breach")]
    assert scan(tenant, at(1, 10, 5)) == []
    with tenant_context(tenant):
        record = SlaRecord.objects.get(ticket=ticket)
        assert (record.outcome, record.due_at, record.met_at) == ("breached", at(1, 10), None)
        assert TicketSla.objects.get(ticket=ticket).first_response_breached_at == at(1, 10, 1)
    assert [n[0] for n in notes(tenant, agent)] == ["sla_warning", "sla_breach"]

    # The late reply keeps the breach and adds when it was met; nothing is written twice.
    with frozen(at(1, 11)):
        make_message(tenant, ticket, actor=agent)
    with tenant_context(tenant):
        record = SlaRecord.objects.get(ticket=ticket)
    assert (record.outcome, record.met_at) == ("breached", at(1, 11))


@pytest.mark.django_db
def test_a_breach_found_first_is_not_also_warned(tenant) -> None:
    agent = make_agent(tenant, "agent@alpha.example.com")
    make_policy(tenant, make_calendar(tenant), first_response_minutes=60)
    with frozen(at(1, 9)):
        make_ticket(tenant, assignee=agent)
    alerts = scan(tenant, at(1, 15))
    assert [(a.target, a.kind) for a in alerts] == [("first_response", "breach")]


@pytest.mark.django_db
def test_paused_met_and_done_targets_are_not_scanned(tenant) -> None:
    make_policy(tenant, make_calendar(tenant), first_response_minutes=60)
    with frozen(at(1, 9)):
        pending = make_ticket(tenant, subject="保留")
        replied = make_ticket(tenant, subject="返信済み")
        with tenant_context(tenant):
            ticket_services.ticket_update(tenant=tenant, ticket=pending, status="pending")
        make_message(tenant, replied)
    # Replied: the resolution (8 h, due 18:00) is still running and is the only alert.
    alerts = scan(tenant, at(1, 18, 30))
    assert [(a.ticket_id, a.target, a.kind) for a in alerts] == [
        (replied.pk, "resolution", "breach")
    ]


@pytest.mark.django_db
def test_unassigned_tickets_go_to_the_team_else_to_managers(tenant, member) -> None:
    first = make_agent(tenant, "first@alpha.example.com")
    second = make_agent(tenant, "second@alpha.example.com")
    manager = make_agent(tenant, "boss@alpha.example.com", role=Role.MANAGER)
    team = make_team(tenant, members=(first, second))
    make_policy(tenant, make_calendar(tenant), first_response_minutes=60)
    with frozen(at(1, 9)):
        teamed = make_ticket(tenant, team=team, subject="チーム")
        nobody = make_ticket(tenant, subject="担当なし")
    scan(tenant, at(1, 11))
    assert len(notes(tenant, first)) == len(notes(tenant, second)) == 1
    assert [n[2] for n in notes(tenant, manager)] == [f"sla:{nobody.pk}:first_response:breach"]
    assert notes(tenant, member) == []  # the owner hears only when there is no manager
    assert teamed.pk != nobody.pk


@pytest.mark.django_db
def test_a_tenant_scan_sees_only_its_tickets(tenant, other_tenant, outsider) -> None:
    make_policy(tenant, make_calendar(tenant), first_response_minutes=60)
    make_policy(other_tenant, make_calendar(other_tenant), first_response_minutes=60)
    with frozen(at(1, 9)):
        make_ticket(tenant, assignee=make_agent(tenant, "a@alpha.example.com"))
        theirs = make_ticket(other_tenant, assignee=outsider)
    assert {a.ticket_id for a in scan(other_tenant, at(1, 11))} == {theirs.pk}
    assert notes(tenant) == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_records_a_breach_from_the_beat_entry_point(celery_worker, tenant) -> None:
    agent = make_agent(tenant, "agent@alpha.example.com")
    cal = make_calendar(tenant, "24h", blocks=ALWAYS, use_jp_holidays=False)
    make_policy(tenant, cal, first_response_minutes=5, resolution_minutes=600)
    with frozen(timezone.now() - dt.timedelta(hours=1)):
        ticket = make_ticket(tenant, assignee=agent)
    scan_all_tenants.delay()

    def recorded():
        with tenant_context(tenant):
            return SlaRecord.objects.filter(ticket=ticket, outcome="breached").exists()

    wait_until(recorded)
    wait_until(lambda: len(notes(tenant, agent)) == 1)
    # A second beat changes nothing.
    scan_all_tenants.delay().get(timeout=30)
    with tenant_context(tenant):
        assert SlaRecord.objects.filter(ticket=ticket).count() == 1
    assert len(notes(tenant, agent)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_scans_never_both_take_a_ticket(tenant) -> None:
    import threading

    from django.db import connection

    agents = [make_agent(tenant, f"agent{i}@alpha.example.com") for i in range(3)]
    make_policy(tenant, make_calendar(tenant), first_response_minutes=60)
    with frozen(at(1, 9)):
        for i in range(12):
            make_ticket(tenant, subject=f"同時 {i}", assignee=agents[i % 3])
    results: list[list] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            results.append(scan(tenant, at(1, 11)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken = [(a.ticket_id, a.kind) for alerts in results for a in alerts]
    assert len(taken) == 12 and len(set(taken)) == 12
    with tenant_context(tenant):
        assert SlaRecord.objects.count() == 12
    assert sum(len(notes(tenant, agent)) for agent in agents) == 12
