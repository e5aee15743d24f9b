"""The tickets API: list with the queue's filters and cursor pages, create, retrieve, PATCH
through ticket_update (custom fields, bad input → 400 and nothing changed), messages,
categories (admins), teams, another tenant's ids."""

from __future__ import annotations

from typing import Any

import pytest

from crm.core.context import tenant_context
from crm.core.models import CustomFieldDefinition, FieldType, ObjectType
from crm.core.roles import Role
from support.tickets.models import Ticket, TicketCategory, TicketMessage
from tests.factories import make_api_key

from .helpers import make_category, make_team, make_ticket

pytestmark = pytest.mark.django_db


def fields(response: Any) -> dict[str, Any]:
    """The fields of the API's error shape {"error": {"fields": {...}}}."""
    return response.json()["error"]["fields"]


def test_list_filters_and_pages(tenant: Any, api_client: Any) -> None:
    billing = make_category(tenant, "請求")
    refund = make_category(tenant, "返金", parent=billing)
    tickets = [make_ticket(tenant, subject=f"件{i}") for i in range(3)]
    target = make_ticket(tenant, subject="返金希望", category=refund, priority="urgent")
    body = api_client.get("/api/v1/tickets/", {"category": billing.pk}).json()
    assert [r["id"] for r in body["results"]] == [target.pk]
    page = api_client.get("/api/v1/tickets/", {"page_size": 2}).json()
    assert [r["id"] for r in page["results"]] == [target.pk, tickets[2].pk]
    rest = api_client.get(page["next"]).json()
    assert [r["id"] for r in rest["results"]] == [tickets[1].pk, tickets[0].pk]
    assert api_client.get("/api/v1/tickets/", {"view": "done"}).json()["results"] == []
    bad = api_client.get("/api/v1/tickets/", {"status": "nope", "view": "all"})
    assert bad.status_code == 400 and "status" in fields(bad)
    assert api_client.get("/api/v1/tickets/", {"view": "nope"}).status_code == 400


def test_create_retrieve_and_patch_with_custom_fields(tenant: Any, api_client: Any) -> None:
    with tenant_context(tenant):
        CustomFieldDefinition.objects.create(
            tenant=tenant,
            object_type=ObjectType.TICKET,
            key="serial",
            label="製造番号",
            field_type=FieldType.INTEGER,
        )
    category = make_category(tenant)
    team = make_team(tenant)
    created = api_client.post(
        "/api/v1/tickets/",
        {
            "subject": "API からの問い合わせ",
            "body": "本文",
            "requester_email": "api-customer@example.jp",
            "category": category.pk,
            "team": team.pk,
            "tags": ["api"],
            "custom_fields": {"serial": 5},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["number"] == 1 and data["channel"] == "api" and data["contact"]
    assert data["custom_fields"] == {"serial": 5} and data["category"] == category.pk
    url = f"/api/v1/tickets/{data['id']}/"
    bad = api_client.patch(url, {"status": "bogus", "priority": "high"}, format="json")
    assert bad.status_code == 400 and "status" in fields(bad)
    bad_cf = api_client.patch(
        url, {"custom_fields": {"serial": "x"}, "priority": "high"}, format="json"
    )
    assert bad_cf.status_code == 400
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=data["id"]).priority == "normal"
    ok = api_client.patch(
        url, {"status": "open", "priority": "high", "custom_fields": {"serial": 7}}, format="json"
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "open" and ok.json()["custom_fields"] == {"serial": 7}
    assert api_client.get(url).json()["priority"] == "high"
    assert api_client.patch(url, {"body": "x"}, format="json").status_code == 400
    assert api_client.post("/api/v1/tickets/", {"subject": " "}).status_code == 400


def test_ids_of_another_tenant(
    tenant: Any, other_tenant: Any, api_client: Any, other_api_client: Any
) -> None:
    ticket = make_ticket(tenant)
    foreign = make_category(other_tenant, "他社")
    patch = api_client.patch(f"/api/v1/tickets/{ticket.pk}/", {"category": foreign.pk})
    assert patch.status_code == 400 and "category" in fields(patch)
    assert other_api_client.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404
    assert other_api_client.get(f"/api/v1/tickets/{ticket.pk}/messages/").status_code == 404
    assert other_api_client.get("/api/v1/tickets/").json()["results"] == []


def test_messages_list_and_post(tenant: Any, api_client: Any) -> None:
    ticket = make_ticket(tenant)
    url = f"/api/v1/tickets/{ticket.pk}/messages/"
    empty = api_client.post(url, {"kind": "reply", "body": " "}, format="json")
    assert empty.status_code == 400 and "body" in fields(empty)
    wrong = api_client.post(url, {"kind": "system", "body": "x"}, format="json")
    assert wrong.status_code == 400
    with tenant_context(tenant):
        assert TicketMessage.objects.filter(ticket=ticket).count() == 1
    reply = api_client.post(
        url, {"kind": "reply", "body": "回答です", "set_status": "pending"}, format="json"
    )
    assert reply.status_code == 201, reply.content
    note = api_client.post(url, {"kind": "note", "body": "メモ"}, format="json")
    assert note.status_code == 201
    listed = api_client.get(url).json()["results"]
    assert [m["kind"] for m in listed] == ["customer", "reply", "note"]
    assert api_client.get(f"/api/v1/tickets/{ticket.pk}/").json()["status"] == "pending"


def test_categories_crud_for_admins_and_teams_read(tenant: Any, api_client: Any) -> None:
    created = api_client.post("/api/v1/ticket-categories/", {"name_ja": "請求", "name_en": "Bill"})
    assert created.status_code == 201, created.content
    parent = created.json()["id"]
    child = api_client.post(
        "/api/v1/ticket-categories/", {"name_ja": "返金", "parent": parent}, format="json"
    )
    assert child.status_code == 201 and child.json()["parent"] == parent
    assert api_client.post("/api/v1/ticket-categories/", {"name_ja": ""}).status_code == 400
    in_use = api_client.delete(f"/api/v1/ticket-categories/{parent}/")
    assert in_use.status_code == 400  # has a child
    off = api_client.patch(f"/api/v1/ticket-categories/{parent}/", {"is_active": False})
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert api_client.delete(f"/api/v1/ticket-categories/{child.json()['id']}/").status_code == 204
    with tenant_context(tenant):
        assert TicketCategory.objects.count() == 1
    make_team(tenant, "一次対応")
    assert [t["name"] for t in api_client.get("/api/v1/support-teams/").json()] == ["一次対応"]
    from rest_framework.test import APIClient

    agent = APIClient()
    agent.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(tenant, role=Role.SUPPORT)}")
    assert agent.get("/api/v1/ticket-categories/").status_code == 200
    assert agent.post("/api/v1/ticket-categories/", {"name_ja": "x"}).status_code == 403
    assert agent.post("/api/v1/tickets/", {"subject": "サポートから"}).status_code == 201


def test_the_list_and_a_ticket_read_in_a_fixed_number_of_queries(
    tenant: Any, api_client: Any, django_assert_max_num_queries: Any
) -> None:
    category = make_category(tenant)
    ticket = make_ticket(tenant, category=category)
    with django_assert_max_num_queries(30) as few:
        api_client.get("/api/v1/tickets/")
    baseline = len(few.captured_queries)
    for i in range(8):
        make_ticket(tenant, subject=f"件{i}", category=category)
    with django_assert_max_num_queries(baseline):
        assert len(api_client.get("/api/v1/tickets/").json()["results"]) == 9
    with django_assert_max_num_queries(baseline):
        assert api_client.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200
