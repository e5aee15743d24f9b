"""/api/v1/activities/: CRUD through the services, filters, the complete action, refusals
with field messages (nothing saved), another tenant's ids answering 404, constant queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from contacts.models import Interaction
from crm.core.context import tenant_context
from sales.activities import services
from sales.activities.models import Activity
from tests.factories import make_contact

from .helpers import make_deal

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


def fields(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    return response.json()["error"]["fields"]


@pytest.fixture
def session_api(member: Any, tenant: Any) -> APIClient:
    client = APIClient()
    client.force_login(member)
    return client


def test_it_creates_reads_updates_completes_and_deletes(
    session_api: APIClient, tenant: Any, member: Any
) -> None:
    with tenant_context(tenant):
        contact = make_contact(tenant, last_name="石井")
    created = session_api.post(
        "/api/v1/activities/",
        {
            "kind": "visit",
            "subject": "石井様 訪問",
            "starts_at": "2026-12-10T10:00:00+09:00",
            "duration_minutes": 45,
            "place": "仙台市",
            "contact": contact.pk,
            "remind_before_minutes": 15,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["owner"] == member.pk and body["done"] is False
    assert body["ends_at"].startswith("2026-12-10T10:45:00")
    assert body["remind_at"].startswith("2026-12-10T09:45:00")
    pk = body["id"]
    patched = session_api.patch(
        f"/api/v1/activities/{pk}/", {"place": "仙台市青葉区"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["place"] == "仙台市青葉区"
    done = session_api.post(
        f"/api/v1/activities/{pk}/complete/", {"outcome": "受注見込み"}, format="json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["done"] is True and done.json()["outcome"] == "受注見込み"
    with tenant_context(tenant):
        assert Interaction.objects.filter(ref_type="activity", ref_id=str(pk)).count() == 1
    assert session_api.delete(f"/api/v1/activities/{pk}/").status_code == 204
    with tenant_context(tenant):
        assert not Activity.objects.filter(pk=pk).exists()


def test_bad_input_gets_field_messages_and_saves_nothing(
    session_api: APIClient, tenant: Any, other_tenant: Any
) -> None:
    with tenant_context(other_tenant):
        their_deal = make_deal(other_tenant, name="他社")
    base = {"kind": "meeting", "subject": "打合せ", "starts_at": "2026-12-10T10:00:00+09:00"}
    errors = fields(
        session_api.post(
            "/api/v1/activities/", {**base, "ends_at": "2026-12-10T09:00:00+09:00"}, format="json"
        )
    )
    assert "ends_at" in errors
    errors = fields(
        session_api.post("/api/v1/activities/", {**base, "deal": their_deal.pk}, format="json")
    )
    assert errors["deal"] == ["That deal does not exist or was deleted; choose another."]
    errors = fields(
        session_api.post("/api/v1/activities/", {**base, "duration_minutes": 2000}, format="json")
    )
    assert "duration_minutes" in errors
    with tenant_context(tenant):
        assert Activity.objects.count() == 0


def test_an_api_key_must_name_the_owner(api_client: APIClient, tenant: Any, member: Any) -> None:
    base = {"kind": "task", "subject": "請求書送付", "starts_at": "2026-12-11T09:00:00+09:00"}
    assert "owner" in fields(api_client.post("/api/v1/activities/", base, format="json"))
    ok = api_client.post("/api/v1/activities/", {**base, "owner": member.pk}, format="json")
    assert ok.status_code == 201, ok.content


def test_the_list_filters(session_api: APIClient, tenant: Any, member: Any) -> None:
    with tenant_context(tenant):
        contact = make_contact(tenant, last_name="松本")
        deal = make_deal(tenant)

        def add(subject: str, day: int, **data: Any) -> Activity:
            return services.activity_create(
                tenant=tenant,
                actor=member,
                subject=subject,
                starts_at=dt.datetime(2026, 12, day, 10, tzinfo=JST),
                **data,
            )

        visit = add("訪問", 3, kind="visit", contact=contact.pk)
        call = add("電話", 4, kind="call", deal=deal.pk)
        task = add("作業", 5, kind="task")
        services.activity_complete(tenant=tenant, activity=task, actor=member)

    def ids(query: str) -> set[int]:
        response = session_api.get(f"/api/v1/activities/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("kind=visit") == {visit.pk}
    assert ids(f"contact={contact.pk}") == {visit.pk}
    assert ids(f"deal={deal.pk}") == {call.pk}
    assert ids("done=true") == {task.pk}
    assert ids("done=false") == {visit.pk, call.pk}
    assert ids("from=2026-12-04&to=2026-12-04") == {call.pk}
    assert ids("from=2026-12-04T00:00:00%2B09:00") == {call.pk, task.pk}
    assert ids("owner=me") == {visit.pk, call.pk, task.pk}
    assert ids(f"owner={member.pk + 1000}") == set()
    assert "kind" in fields(session_api.get("/api/v1/activities/?kind=lunch"))
    assert "from" in fields(session_api.get("/api/v1/activities/?from=someday"))


def test_another_tenants_activity_is_not_found(
    other_api_client: APIClient, tenant: Any, member: Any
) -> None:
    with tenant_context(tenant):
        activity = services.activity_create(
            tenant=tenant, actor=member, subject="Alpha", starts_at="2026-12-10 10:00"
        )
    assert other_api_client.get(f"/api/v1/activities/{activity.pk}/").status_code == 404
    response = other_api_client.post(f"/api/v1/activities/{activity.pk}/complete/", {})
    assert response.status_code == 404
    assert other_api_client.get("/api/v1/activities/").json()["results"] == []


def test_the_list_answers_in_constant_queries(
    session_api: APIClient, tenant: Any, member: Any
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert session_api.get("/api/v1/activities/").status_code == 200
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        with tenant_context(tenant):
            for i in range(n):
                services.activity_create(
                    tenant=tenant,
                    actor=member,
                    kind="meeting",
                    subject=f"会議 {i}",
                    starts_at="2026-12-10 10:00",
                    attendee_users=[member.pk],
                )

    add(2)
    few = queries()
    add(15)
    assert queries() == few
