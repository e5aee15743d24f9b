"""Ticket services of the tickets part: the lock (two agents), bulk changes, validation
(nothing half-changed), messages with @mentions, categories and teams, the timeline entry."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from contacts.models import Interaction
from crm.core.context import tenant_context
from crm.core.models import Notification
from support.tickets import services
from support.tickets.models import Status, Ticket, TicketCategory, TicketEvent, TicketMessage

from .helpers import make_agent, make_category, make_team, make_ticket

pytestmark = pytest.mark.django_db


def test_the_lock_goes_to_the_first_agent_until_it_expires(tenant: Any, member: Any) -> None:
    ticket = make_ticket(tenant)
    sato = make_agent(tenant, display_name="佐藤")
    with tenant_context(tenant):
        first = services.ticket_lock_take(tenant=tenant, ticket=ticket, user=member)
        second = services.ticket_lock_take(tenant=tenant, ticket=ticket, user=sato)
        assert first.held and not second.held and second.holder_id == member.pk
        # a heartbeat of the holder keeps it; nobody else gets it
        assert services.ticket_lock_take(tenant=tenant, ticket=ticket, user=member).held
        Ticket.objects.filter(pk=ticket.pk).update(
            locked_at=timezone.now() - dt.timedelta(minutes=6)
        )
        assert services.ticket_lock_take(tenant=tenant, ticket=ticket, user=sato).held
        assert not services.ticket_lock_release(tenant=tenant, ticket=ticket, user=member)
        assert services.ticket_lock_take(tenant=tenant, ticket=ticket, user=member, force=True).held
        assert services.ticket_lock_release(tenant=tenant, ticket=ticket, user=member)
        ticket.refresh_from_db()
        assert ticket.locked_by_id is None and ticket.locked_at is None


@pytest.mark.django_db(transaction=True)
def test_two_agents_opening_at_once_get_one_lock(tenant: Any, member: Any) -> None:
    ticket = make_ticket(tenant)
    sato = make_agent(tenant, display_name="佐藤")
    results: dict[int, bool] = {}
    barrier = threading.Barrier(2)

    def take(user: Any) -> None:
        try:
            with tenant_context(tenant):
                barrier.wait()
                results[user.pk] = services.ticket_lock_take(
                    tenant=tenant, ticket=ticket, user=user
                ).held
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(u,)) for u in (member, sato)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [False, True]
    with tenant_context(tenant):
        holder = Ticket.objects.get(pk=ticket.pk).locked_by_id
    assert results[holder] is True


def test_bulk_assign_and_status_write_history_in_a_fixed_number_of_queries(
    tenant: Any, member: Any
) -> None:
    from django.test.utils import CaptureQueriesContext

    tickets = [make_ticket(tenant, subject=f"件{i}") for i in range(3)]
    team = make_team(tenant)
    with tenant_context(tenant):
        with CaptureQueriesContext(connection) as queries:
            changed = services.ticket_bulk_update(
                tenant=tenant, ticket_ids=[t.pk for t in tickets], actor=member, assignee=member
            )
        sqls = [q["sql"] for q in queries.captured_queries]
        # one UPDATE of the tickets and one INSERT of history for all three (other parts'
        # hooks may read more per ticket; ours do not)
        assert sum(s.startswith('UPDATE "support_ticket"') for s in sqls) == 1
        assert sum(s.startswith('INSERT INTO "support_ticketevent"') for s in sqls) == 1
        assert changed == 3
        services.ticket_bulk_update(
            tenant=tenant, ticket_ids=[t.pk for t in tickets], actor=member, team=team
        )
        services.ticket_bulk_update(
            tenant=tenant, ticket_ids=[t.pk for t in tickets], actor=member, status="closed"
        )
        rows = list(Ticket.objects.filter(pk__in=[t.pk for t in tickets]))
        assert {(t.assignee_id, t.team_id, t.status) for t in rows} == {
            (member.pk, team.pk, "closed")
        }
        assert all(t.closed_at and t.resolved_at for t in rows)
        assert TicketEvent.objects.filter(ticket=tickets[0], kind="changed").count() == 3
        # the same change again changes nothing
        again = services.ticket_bulk_update(
            tenant=tenant, ticket_ids=[t.pk for t in tickets], actor=member, status="closed"
        )
        assert again == 0


def test_bulk_with_an_unknown_status_changes_nothing(tenant: Any, member: Any) -> None:
    tickets = [make_ticket(tenant) for _ in range(2)]
    with tenant_context(tenant), pytest.raises(ValidationError) as error:
        services.ticket_bulk_update(
            tenant=tenant, ticket_ids=[t.pk for t in tickets], actor=member, status="done-ish"
        )
    assert "status" in error.value.message_dict
    with tenant_context(tenant):
        assert set(Ticket.objects.values_list("status", flat=True)) == {Status.NEW}


def test_update_refuses_bad_values_and_keeps_the_ticket(
    tenant: Any, other_tenant: Any, member: Any
) -> None:
    ticket = make_ticket(tenant)
    foreign = make_category(other_tenant, "他社")
    with tenant_context(tenant):
        with pytest.raises(ValidationError) as error:
            services.ticket_update(
                tenant=tenant, ticket=ticket, actor=member, status="bogus", priority="high"
            )
        assert "status" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.ticket_update(tenant=tenant, ticket=ticket, category=foreign)
        assert "category" in error.value.message_dict
        ticket.refresh_from_db()
        assert (ticket.status, ticket.priority, ticket.category_id) == ("new", "normal", None)
        assert not TicketEvent.objects.filter(ticket=ticket, kind="changed").exists()


def test_a_note_notifies_each_mentioned_member_once(tenant: Any, member: Any) -> None:
    ticket = make_ticket(tenant)
    sato = make_agent(tenant, "sato@alpha.example.com", display_name="佐藤")
    suzuki = make_agent(tenant, "suzuki@alpha.example.com", display_name="鈴木")
    with tenant_context(tenant):
        note = services.ticket_message_post(
            tenant=tenant,
            ticket=ticket,
            actor=member,
            kind="note",
            body="@佐藤 さん、@佐藤 さん、確認お願いします。cc @suzuki@alpha.example.com",
            mention_ids=[sato.pk, 999999],
        )
        assert sorted(note.mentions) == sorted([sato.pk, suzuki.pk])
        assert Notification.objects.filter(user=sato, kind="mention").count() == 1
        assert Notification.objects.filter(user=suzuki, kind="mention").count() == 1
        reply = services.ticket_message_post(
            tenant=tenant, ticket=ticket, actor=member, kind="reply", body="@佐藤 はい"
        )
        assert reply.mentions == []


def test_an_empty_reply_is_refused_and_nothing_changes(tenant: Any, member: Any) -> None:
    ticket = make_ticket(tenant)
    with tenant_context(tenant):
        with pytest.raises(ValidationError) as error:
            services.ticket_message_post(
                tenant=tenant,
                ticket=ticket,
                actor=member,
                kind="reply",
                body="  \n ",
                set_status="pending",
            )
        assert "body" in error.value.message_dict
        ticket.refresh_from_db()
        assert ticket.status == Status.NEW
        assert TicketMessage.objects.filter(ticket=ticket).count() == 1


def test_send_and_set_pending(tenant: Any, member: Any) -> None:
    ticket = make_ticket(tenant)
    with tenant_context(tenant):
        services.ticket_message_post(
            tenant=tenant,
            ticket=ticket,
            actor=member,
            kind="reply",
            body="ご確認ください",
            set_status="pending",
        )
        ticket.refresh_from_db()
        assert ticket.status == Status.PENDING and ticket.first_response_at is not None


def test_categories_nest_move_and_refuse_deletion_in_use(tenant: Any, member: Any) -> None:
    with tenant_context(tenant):
        billing = services.category_create(tenant=tenant, name_ja="請求")
        shipping = services.category_create(tenant=tenant, name_ja="配送")
        refund = services.category_create(tenant=tenant, name_ja="返金", parent=billing)
        with pytest.raises(ValidationError):
            services.category_create(tenant=tenant, name_ja="請求")
        with pytest.raises(ValidationError):
            services.category_update(tenant=tenant, category=billing, parent=refund)
        services.category_move(tenant=tenant, category=shipping, direction="up")
        top = list(
            TicketCategory.objects.filter(parent=None)
            .order_by("position")
            .values_list("name_ja", flat=True)
        )
        assert top == ["配送", "請求"]
    make_ticket(tenant, category=refund)
    with tenant_context(tenant):
        with pytest.raises(ValidationError) as error:
            services.category_delete(tenant=tenant, category=refund)
        assert "Deactivate" in " ".join(error.value.messages)
        with pytest.raises(ValidationError):
            services.category_delete(tenant=tenant, category=billing)  # has a child
        services.category_update(tenant=tenant, category=refund, is_active=False)
        assert TicketCategory.objects.filter(pk=refund.pk).exists()
        services.category_delete(tenant=tenant, category=shipping)
        assert not TicketCategory.objects.filter(pk=shipping.pk).exists()


def test_a_new_ticket_puts_one_entry_on_the_contacts_timeline(tenant: Any, member: Any) -> None:
    ticket = make_ticket(tenant, subject="配送の遅れ")
    with tenant_context(tenant):
        services.ticket_update(tenant=tenant, ticket=ticket, actor=member, status="resolved")
        entries = list(Interaction.objects.filter(ref_type="ticket", ref_id=str(ticket.pk)))
    assert len(entries) == 1
    assert entries[0].contact_id == ticket.contact_id and "配送の遅れ" in entries[0].subject


def test_teams_refuse_duplicates_and_outsiders(tenant: Any, outsider: Any) -> None:
    with tenant_context(tenant):
        team = services.team_create(tenant=tenant, name="二次対応")
        with pytest.raises(ValidationError):
            services.team_create(tenant=tenant, name="二次対応")
        with pytest.raises(ValidationError):
            services.team_member_add(tenant=tenant, team=team, user=outsider)
        assert connection.in_atomic_block  # the test's transaction, still usable


def test_a_deactivated_category_cannot_be_chosen_but_keeps_its_tickets(
    tenant: Any, member: Any
) -> None:
    old = make_category(tenant, "旧カテゴリ")
    kept = make_ticket(tenant, category=old)
    other = make_ticket(tenant)
    with tenant_context(tenant):
        services.category_update(tenant=tenant, category=old, is_active=False)
        old.refresh_from_db()
        with pytest.raises(ValidationError) as error:
            services.ticket_update(tenant=tenant, ticket=other, actor=member, category=old)
        assert "category" in error.value.message_dict
        # the ticket already there can still change other fields
        services.ticket_update(
            tenant=tenant, ticket=kept, actor=member, category=old, priority="high"
        )
        kept.refresh_from_db()
        assert kept.category_id == old.pk and kept.priority == "high"
    # a web form mapped to it still opens tickets
    assert make_ticket(tenant, category=old).category_id == old.pk
