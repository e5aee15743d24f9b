"""The demo ticket seeder (`seed_demo --tickets N`): set-based, deterministic, plausible."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from crm.core.context import tenant_context
from crm.core.demo import run_seeders
from support.csat.models import CsatRequest
from support.insights.demo import seed_bulk_tickets
from support.tickets.models import Status, Ticket, TicketMessage, TicketNumberCounter
from tests.support.helpers import make_agent, make_ticket


def test_it_seeds_tickets_messages_and_csat(tenant: Any) -> None:
    make_agent(tenant, "agent@example.jp")
    existing = make_ticket(tenant)
    with tenant_context(tenant):
        assert seed_bulk_tickets(tenant=tenant, count=2000) == 2000
        tickets = Ticket.objects.filter(tenant=tenant).exclude(pk=existing.pk)
        assert tickets.count() == 2000
        numbers = sorted(tickets.values_list("number", flat=True))
        assert numbers == list(range(existing.number + 1, existing.number + 2001))
        assert TicketNumberCounter.objects.get(tenant=tenant).last_number == existing.number + 2000
        statuses = dict(tickets.values_list("status").annotate(n=Count("id")))
        assert set(statuses) == set(Status.values)
        assert statuses[Status.CLOSED] + statuses[Status.RESOLVED] > 1500
        assert len(set(tickets.values_list("channel", flat=True))) == 5
        messages = TicketMessage.objects.filter(tenant=tenant, ticket__in=tickets).count()
        assert 1.8 < messages / 2000 <= 2.0
        # Times follow each other; the SLA columns are filled.
        assert not tickets.filter(first_response_at__lt=models_f("created_at")).exists()
        assert not tickets.filter(resolved_at__lt=models_f("created_at")).exists()
        assert not tickets.filter(first_response_due_at__isnull=True).exists()
        assert tickets.filter(status=Status.NEW, first_response_at__isnull=False).count() == 0
        assert tickets.filter(subject__contains="請求").exists()
        csat = CsatRequest.objects.filter(tenant=tenant, ticket__in=tickets)
        resolved = tickets.filter(resolved_at__isnull=False).count()
        assert 0.4 * resolved < csat.count() < 0.8 * resolved
        rated = csat.filter(rating__isnull=False)
        assert 0.3 * csat.count() < rated.count() < 0.6 * csat.count()


def models_f(name: str) -> Any:
    from django.db.models import F

    return F(name)


def test_it_is_deterministic(tenant: Any) -> None:
    """The same tenant in the same state gets the same tickets (no random())."""
    make_agent(tenant)

    def shape() -> list[tuple[Any, ...]]:
        with tenant_context(tenant):
            seed_bulk_tickets(tenant=tenant, count=300)
            rows = list(
                Ticket.objects.filter(tenant=tenant)
                .order_by("number")
                .values_list("number", "subject", "channel", "priority", "category__name_ja")
            )
            Ticket.objects.filter(tenant=tenant).delete()
            TicketNumberCounter.objects.filter(tenant=tenant).update(last_number=0)
            return rows

    first = shape()
    assert len(first) == 300
    assert first == shape()


def test_seed_demo_runs_it_with_tickets(tenant: Any) -> None:
    make_agent(tenant)
    with tenant_context(tenant):
        run_seeders(tenant=tenant, contacts=5, deals=None, orders=None, tickets=50)
        assert Ticket.objects.filter(tenant=tenant).count() == 50
        before = Ticket.objects.filter(tenant=tenant).count()
        run_seeders(tenant=tenant, contacts=0, deals=None, orders=None)
        assert Ticket.objects.filter(tenant=tenant).count() == before
