"""The queue's views and filters, keyset pages and capped counts in a fixed number of
queries; a ticket's detail data in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from crm.core.context import tenant_context
from crm.core.models import Membership
from support.tickets import selectors, services
from support.tickets.models import Ticket

from .helpers import make_agent, make_category, make_message, make_team, make_ticket

pytestmark = pytest.mark.django_db


def _numbers(page: selectors.QueuePage) -> list[int]:
    return [t.number for t in page.rows]


def _queue(tenant: Any, membership: Any, view: str, **params: Any) -> selectors.QueuePage:
    filters = selectors.queue_filters(params=params)
    return selectors.ticket_queue(tenant=tenant, membership=membership, view=view, filters=filters)


def test_the_views_split_the_queue(tenant: Any, member: Any) -> None:
    sato = make_agent(tenant, display_name="佐藤")
    mine = make_ticket(tenant, subject="私の", assignee=member)
    theirs = make_ticket(tenant, subject="佐藤さんの", assignee=sato)
    nobody = make_ticket(tenant, subject="未割当")
    done = make_ticket(tenant, subject="完了", status="resolved")
    soon = make_ticket(tenant, subject="期限間近")
    later = make_ticket(tenant, subject="期限はまだ先")
    with tenant_context(tenant):
        now = timezone.now()
        Ticket.objects.filter(pk=soon.pk).update(sla_due_at=now + dt.timedelta(minutes=30))
        Ticket.objects.filter(pk=later.pk).update(sla_due_at=now + dt.timedelta(hours=5))
        membership = Membership.objects.get(user=member)
        assert _numbers(_queue(tenant, membership, "mine")) == [mine.number]
        unassigned = _numbers(_queue(tenant, membership, "unassigned"))
        assert unassigned == [later.number, soon.number, nobody.number]
        assert _numbers(_queue(tenant, membership, "breaching")) == [soon.number]
        assert done.number not in _numbers(_queue(tenant, membership, "open"))
        assert _numbers(_queue(tenant, membership, "done")) == [done.number]
        assert len(_queue(tenant, membership, "all").rows) == 6
        assert theirs.number in _numbers(_queue(tenant, membership, "open"))
        counts = selectors.queue_counts(tenant=tenant, membership=membership)
        assert counts == {"mine": 1, "unassigned": 3, "breaching": 1, "open": 5}


def test_the_filters_narrow_the_queue(tenant: Any, member: Any) -> None:
    billing = make_category(tenant, "請求")
    refund = make_category(tenant, "返金", parent=billing)
    team = make_team(tenant)
    a = make_ticket(tenant, subject="返金の依頼", category=refund, priority="high", tags=["VIP"])
    b = make_ticket(
        tenant,
        subject="請求書の宛名",
        category=billing,
        team=team,
        requester_email="other@example.jp",
        channel="phone",
    )
    c = make_ticket(tenant, subject="配送の遅れ", assignee=member)
    with tenant_context(tenant):
        m = Membership.objects.get(user=member)
        assert _numbers(_queue(tenant, m, "all", category=billing.pk)) == [b.number, a.number]
        assert _numbers(_queue(tenant, m, "all", category=refund.pk)) == [a.number]
        assert _numbers(_queue(tenant, m, "all", priority="high")) == [a.number]
        assert _numbers(_queue(tenant, m, "all", team=team.pk)) == [b.number]
        assert _numbers(_queue(tenant, m, "all", assignee=member.pk)) == [c.number]
        assert _numbers(_queue(tenant, m, "all", assignee="none")) == [b.number, a.number]
        assert _numbers(_queue(tenant, m, "all", channel="phone")) == [b.number]
        assert _numbers(_queue(tenant, m, "all", tag="VIP")) == [a.number]
        assert _numbers(_queue(tenant, m, "all", status="new")) == [c.number, b.number, a.number]
        assert _numbers(_queue(tenant, m, "all", q=f"#{c.number}")) == [c.number]
        assert _numbers(_queue(tenant, m, "all", q=str(a.number))) == [a.number]
        assert _numbers(_queue(tenant, m, "all", q="請求書 宛名")) == [b.number]
        assert _numbers(_queue(tenant, m, "all", q="other@EXAMPLE.jp")) == [b.number]


def test_unreadable_filters_are_reported_not_applied() -> None:
    filters = selectors.queue_filters(params={"status": "done-ish", "team": "abc", "tag": "x"})
    assert set(filters.errors) == {"status", "team"}
    assert filters.status == "" and filters.team is None and filters.tag == "x"


def test_keyset_pages_in_one_query_however_long(
    tenant: Any, member: Any, django_assert_num_queries: Any
) -> None:
    sato = make_agent(tenant, display_name="佐藤")
    category = make_category(tenant)
    team = make_team(tenant)
    tickets = [
        make_ticket(tenant, subject=f"件{i}", assignee=sato, category=category, team=team)
        for i in range(7)
    ]
    with tenant_context(tenant):
        services.ticket_lock_take(tenant=tenant, ticket=tickets[-1], user=sato)
        m = Membership.objects.get(user=member)
        filters = selectors.queue_filters(params={})
        with django_assert_num_queries(1):
            first = selectors.ticket_queue(
                tenant=tenant, membership=m, view="open", filters=filters, limit=5
            )
            for t in first.rows:
                _ = (t.assignee, t.team, t.category, t.contact, t.lock_holder)
        assert len(first.rows) == 5 and first.next_after == tickets[2].pk
        assert first.rows[0].lock_holder == sato
        with django_assert_num_queries(1):
            second = selectors.ticket_queue(
                tenant=tenant, membership=m, view="open", filters=filters, after=first.next_after
            )
        assert [t.pk for t in second.rows] == [tickets[1].pk, tickets[0].pk]
        assert second.next_after is None
        with django_assert_num_queries(1):
            selectors.queue_counts(tenant=tenant, membership=m)


def test_counts_stop_at_the_cap(tenant: Any, member: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for i in range(5):
        make_ticket(tenant, subject=f"件{i}")
    with tenant_context(tenant):
        counts = selectors.queue_counts(
            tenant=tenant, membership=Membership.objects.get(user=member)
        )
    assert counts["open"] == 3 and counts["unassigned"] == 3


def test_the_detail_reads_in_a_fixed_number_of_queries(
    tenant: Any, member: Any, django_assert_max_num_queries: Any
) -> None:
    ticket = make_ticket(tenant)
    make_ticket(tenant, subject="前回の問い合わせ")
    for i in range(2):
        make_message(tenant, ticket, body=f"返信{i}", actor=member)
    with tenant_context(tenant):
        m = Membership.objects.get(user=member)
        ticket = selectors.access_ticket(tenant=tenant, membership=m, ticket_id=ticket.pk)
        with django_assert_max_num_queries(12) as few:
            detail = selectors.ticket_detail(tenant=tenant, membership=m, ticket=ticket)
        assert [t.subject for t in detail["past_tickets"]] == ["前回の問い合わせ"]
        assert len(detail["messages"]) == 3
    for i in range(6):
        make_message(tenant, ticket, kind="note", body=f"メモ{i}", actor=member)
    with tenant_context(tenant):
        services.ticket_update(tenant=tenant, ticket=ticket, actor=member, priority="high")
        with django_assert_max_num_queries(len(few.captured_queries)):
            detail = selectors.ticket_detail(tenant=tenant, membership=m, ticket=ticket)
        assert len(detail["messages"]) == 9
        assert any(e.field == "priority" and e.new_text == "High" for e in detail["events"])


def test_another_tenants_ticket_is_not_found(tenant: Any, other_tenant: Any, outsider: Any) -> None:
    from django.http import Http404

    ticket = make_ticket(tenant)
    with tenant_context(other_tenant), pytest.raises(Http404):
        selectors.access_ticket(tenant=other_tenant, membership=None, ticket_id=ticket.pk)
