"""Ticket pages: the queue (tabs, filters, bulk, assign to me) and the ticket page (fixed
query counts), reply/note/pending, edit with custom fields, the lock as two agents see it,
a new phone inquiry, the categories and teams settings, the contact's Inquiries panel."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.models import CustomFieldDefinition, FieldType, Notification, ObjectType
from crm.core.roles import Role
from support.tickets.models import Status, Ticket, TicketCategory, TicketMessage

from .helpers import make_agent, make_category, make_team, make_ticket

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_queue_lists_in_a_fixed_number_of_queries(
    tenant: Any, member: Any, member_client: Any, django_assert_max_num_queries: Any
) -> None:
    sato = make_agent(tenant, display_name="佐藤")
    category, team = make_category(tenant), make_team(tenant)
    make_ticket(tenant, subject="件A", assignee=sato, category=category, team=team)
    url = reverse("support:queue")
    with django_assert_max_num_queries(40) as few:
        member_client.get(url)
    for i in range(12):
        make_ticket(tenant, subject=f"件{i}", assignee=sato, category=category, team=team)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = member_client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-testid="queue-row"') == 13
    assert 'data-testid="count-open">13<' in body


def test_the_queue_tabs_filters_and_empty_states(tenant: Any, member_client: Any) -> None:
    make_ticket(tenant, subject="配送の遅れ", priority="urgent")
    url = reverse("support:queue")
    mine = member_client.get(url + "?view=mine").content.decode()
    assert 'data-testid="queue-empty"' in mine and "Take one from Unassigned" in mine
    found = member_client.get(url + "?view=all&priority=urgent").content.decode()
    assert "配送の遅れ" in found
    bad = member_client.get(url + "?status=nonsense").content.decode()
    assert 'data-testid="filter-error"' in bad and "配送の遅れ" in bad


def test_bulk_assign_and_status_from_the_queue(
    tenant: Any, member: Any, member_client: Any
) -> None:
    tickets = [make_ticket(tenant, subject=f"件{i}") for i in range(3)]
    sato = make_agent(tenant, display_name="佐藤")
    ids = [t.pk for t in tickets[:2]]
    url = reverse("support:queue_bulk")
    response = member_client.post(url, {"tickets": ids, "action": "assign", "assignee": sato.pk})
    assert response.status_code == 302
    response = member_client.post(url, {"tickets": ids, "action": "status", "status": "bogus"})
    assert response.status_code == 302
    with tenant_context(tenant):
        rows = {t.pk: (t.assignee_id, t.status) for t in Ticket.objects.all()}
    assert rows[ids[0]] == (sato.pk, "new") and rows[tickets[2].pk] == (None, "new")
    follow = member_client.get(reverse("support:queue")).content.decode()
    assert "is not a status" in follow
    member_client.post(url, {"tickets": ids, "action": "status", "status": "on_hold"})
    with tenant_context(tenant):
        assert set(Ticket.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
            "on_hold"
        }


def test_a_viewer_cannot_change_tickets(tenant: Any) -> None:
    ticket = make_ticket(tenant)
    viewer = _client(make_agent(tenant, role=Role.VIEWER))
    assert viewer.get(reverse("support:queue")).status_code == 200
    page = viewer.get(reverse("support:ticket_detail", kwargs={"ticket_id": ticket.pk}))
    assert page.status_code == 200 and 'id="reply-form"' not in page.content.decode()
    reply = viewer.post(
        reverse("support:ticket_reply", kwargs={"ticket_id": ticket.pk}), {"body": "x"}
    )
    assert reply.status_code == 403


def test_the_ticket_page_in_a_fixed_number_of_queries(
    tenant: Any, member: Any, member_client: Any, django_assert_max_num_queries: Any
) -> None:
    ticket = make_ticket(tenant, subject="請求書の再発行")
    url = reverse("support:ticket_detail", kwargs={"ticket_id": ticket.pk})
    reply_url = reverse("support:ticket_reply", kwargs={"ticket_id": ticket.pk})
    member_client.post(reply_url, {"kind": "reply", "body": "最初の回答"})  # now assigned too
    with django_assert_max_num_queries(60) as few:
        member_client.get(url)
    baseline = len(few.captured_queries)  # read now: the next requests reset the log
    for i in range(4):
        member_client.post(
            reverse("support:ticket_reply", kwargs={"ticket_id": ticket.pk}),
            {"kind": "note" if i % 2 else "reply", "body": f"本文{i}"},
        )
    with django_assert_max_num_queries(baseline):
        body = member_client.get(url).content.decode()
    assert body.count('data-testid="message"') == 6
    assert 'data-kind="note"' in body and 'data-kind="reply"' in body
    assert 'data-kind="customer"' in body


def test_reply_note_and_pending(tenant: Any, member: Any, member_client: Any) -> None:
    ticket = make_ticket(tenant)
    sato = make_agent(tenant, "sato@alpha.example.com", display_name="佐藤")
    url = reverse("support:ticket_reply", kwargs={"ticket_id": ticket.pk})
    empty = member_client.post(url, {"kind": "reply", "body": "   ", "then": "pending"})
    assert empty.status_code == 400
    assert "Write the message before sending it." in empty.content.decode()
    with tenant_context(tenant):
        assert TicketMessage.objects.filter(ticket=ticket).count() == 1
        assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW
    note = member_client.post(
        url, {"kind": "note", "body": "@佐藤 確認をお願いします", "mentions": str(sato.pk)}
    )
    assert note.status_code == 302
    with tenant_context(tenant):
        assert Notification.objects.filter(user=sato, kind="mention").count() == 1
    member_client.post(url, {"kind": "reply", "body": "ご確認ください", "then": "pending"})
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert ticket.status == Status.PENDING and ticket.first_response_at is not None


def test_editing_fields_with_custom_fields_and_bad_input(
    tenant: Any, member: Any, member_client: Any
) -> None:
    with tenant_context(tenant):
        CustomFieldDefinition.objects.create(
            tenant=tenant,
            object_type=ObjectType.TICKET,
            key="serial",
            label="製造番号",
            field_type=FieldType.INTEGER,
        )
    ticket = make_ticket(tenant)
    category = make_category(tenant, "返品")
    url = reverse("support:ticket_edit", kwargs={"ticket_id": ticket.pk})
    base = {"status": "open", "priority": "high", "category": category.pk, "tags": "VIP, 急ぎ"}
    bad = member_client.post(url, {**base, "cf_serial": "abc"})
    assert bad.status_code == 400
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.priority, ticket.category_id) == ("new", "normal", None)
    wrong_status = member_client.post(url, {**base, "status": "bogus", "cf_serial": "12"})
    assert wrong_status.status_code == 400
    good = member_client.post(url, {**base, "cf_serial": "12", "assignee": member.pk})
    assert good.status_code == 302
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.priority == "high"
    assert ticket.category_id == category.pk and ticket.tags == ["VIP", "急ぎ"]
    assert ticket.custom_fields == {"serial": 12} and ticket.assignee_id == member.pk
    page = member_client.get(reverse("support:ticket_detail", kwargs={"ticket_id": ticket.pk}))
    body = page.content.decode()
    assert "製造番号" in body and "Change history" in body


def test_a_category_of_another_tenant_is_refused(
    tenant: Any, other_tenant: Any, member_client: Any
) -> None:
    ticket = make_ticket(tenant)
    foreign = make_category(other_tenant, "他社")
    url = reverse("support:ticket_edit", kwargs={"ticket_id": ticket.pk})
    response = member_client.post(
        url, {"status": "new", "priority": "normal", "category": foreign.pk}
    )
    assert response.status_code == 400
    assert "Choose a category from the list." in response.content.decode()


def test_two_agents_see_the_lock(tenant: Any, member: Any, member_client: Any) -> None:
    ticket = make_ticket(tenant)
    sato = _client(make_agent(tenant, display_name="佐藤"))
    url = reverse("support:ticket_detail", kwargs={"ticket_id": ticket.pk})
    lock = reverse("support:ticket_lock", kwargs={"ticket_id": ticket.pk})
    first = member_client.get(url).content.decode()
    assert 'data-held="1"' in first
    second = sato.get(url).content.decode()
    assert "Being answered by Alice" in second and 'data-held="0"' in second
    queue = sato.get(reverse("support:queue")).content.decode()
    assert 'data-testid="being-answered"' in queue
    beat = sato.post(lock, {"action": "beat"}, HTTP_ACCEPT="application/json").json()
    assert beat == {"held": False, "holder": "Alice"}
    taken = sato.post(lock, {"action": "take"})
    assert taken.status_code == 302
    assert member_client.post(lock, {"action": "beat"}).json()["held"] is False
    member_client.post(lock, {"action": "release"})  # not hers any more: stays with 佐藤
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).locked_by.display_name == "佐藤"


def test_assign_to_me_from_the_queue(tenant: Any, member: Any, member_client: Any) -> None:
    ticket = make_ticket(tenant)
    response = member_client.post(
        reverse("support:ticket_assign_me", kwargs={"ticket_id": ticket.pk}),
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["assignee"] == "Alice"
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).assignee_id == member.pk


def test_a_new_phone_inquiry(tenant: Any, member_client: Any) -> None:
    from tests.factories import make_contact

    contact = make_contact(tenant, last_name="鈴木", email="suzuki@example.jp")
    url = reverse("support:ticket_new")
    missing = member_client.post(url, {"channel": "phone", "subject": "電話", "body": "内容"})
    assert missing.status_code == 400
    assert "Choose the contact or enter the customer" in missing.content.decode()
    options = member_client.get(
        reverse("support:ticket_contact_options"), {"contact_search": "鈴木"}
    )
    assert f'value="{contact.pk}"' in options.content.decode()
    created = member_client.post(
        url,
        {
            "channel": "phone",
            "subject": "電話の件",
            "body": "折り返し希望",
            "contact": contact.pk,
            "priority": "high",
        },
    )
    assert created.status_code == 302
    with tenant_context(tenant):
        ticket = Ticket.objects.get(subject="電話の件")
    assert ticket.channel == "phone" and ticket.contact_id == contact.pk
    assert ticket.priority == "high"
    by_mail = member_client.post(
        url,
        {
            "channel": "chat",
            "subject": "チャット",
            "body": "質問",
            "requester_email": "new@example.jp",
            "priority": "normal",
        },
    )
    assert by_mail.status_code == 302
    with tenant_context(tenant):
        assert Ticket.objects.get(subject="チャット").contact.email == "new@example.jp"


def test_categories_and_teams_settings(tenant: Any, member: Any, member_client: Any) -> None:
    url = reverse("support:category_settings")
    member_client.post(url, {"name_ja": "請求", "name_en": "Billing"})
    with tenant_context(tenant):
        billing = TicketCategory.objects.get(name_ja="請求")
    member_client.post(url, {"name_ja": "返金", "parent": billing.pk})
    empty = member_client.post(url, {"name_ja": " "}, follow=True).content.decode()
    assert "Enter the category&#x27;s name in Japanese." in empty
    make_ticket(tenant, category=billing)
    edit = reverse("support:category_edit", kwargs={"category_id": billing.pk})
    refused = member_client.post(edit, {"action": "delete"}, follow=True).content.decode()
    assert "cannot be deleted" in refused and "Deactivate it instead" in refused
    member_client.post(edit, {"action": "deactivate"})
    with tenant_context(tenant):
        assert TicketCategory.objects.get(pk=billing.pk).is_active is False
    member_client.post(reverse("support:team_create"), {"name": "一次対応"})
    page = member_client.get(url).content.decode()
    assert "一次対応" in page and "返金" in page and 'data-testid="inactive"' in page
    agent = _client(make_agent(tenant))
    assert agent.get(url).status_code == 403


def test_the_contact_page_lists_inquiries(tenant: Any, member_client: Any) -> None:
    ticket = make_ticket(tenant, subject="返品したい")
    page = member_client.get(reverse("contacts:detail", kwargs={"contact_id": ticket.contact_id}))
    body = page.content.decode()
    assert 'data-testid="inquiries-panel"' in body and "返品したい" in body


def test_another_tenants_ticket_pages_answer_404(tenant: Any, outsider_client: Any) -> None:
    ticket = make_ticket(tenant)
    detail = reverse("support:ticket_detail", kwargs={"ticket_id": ticket.pk})
    assert outsider_client.get(detail).status_code == 404
    for name in ("support:ticket_reply", "support:ticket_edit", "support:ticket_lock"):
        url = reverse(name, kwargs={"ticket_id": ticket.pk})
        assert outsider_client.post(url, {"body": "x"}).status_code == 404
