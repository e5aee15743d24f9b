"""/api/v1/sla-policies/ and /api/v1/business-calendars/: admins write, staff read, bad
input is a 400 naming the field (the overlap names the weekday), nothing half-saved."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from crm.core.context import tenant_context
from crm.core.roles import Role
from support.sla.models import BusinessBlock, BusinessCalendar, SlaPolicy
from tests.factories import make_member

from .helpers import make_category
from .sla_helpers import make_calendar, make_policy

pytestmark = pytest.mark.django_db

LUNCH = [
    {"weekday": 0, "start": "09:00", "end": "12:00"},
    {"weekday": 0, "start": "13:00", "end": "18:00"},
]


def test_an_admin_creates_a_calendar_with_blocks_and_holidays(api_client, tenant) -> None:
    response = api_client.post(
        "/api/v1/business-calendars/",
        {
            "name": "本社",
            "blocks": LUNCH,
            "holidays": [
                {"name": "年末年始", "start_date": "2026-12-29", "end_date": "2027-01-03"}
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_default"] is True and body["use_jp_holidays"] is True
    assert body["blocks"] == LUNCH
    assert body["holidays"] == [
        {"name": "年末年始", "start_date": "2026-12-29", "end_date": "2027-01-03"}
    ]


def test_an_overlap_is_a_400_naming_the_weekday_and_nothing_changes(api_client, tenant) -> None:
    calendar = make_calendar(tenant)
    response = api_client.patch(
        f"/api/v1/business-calendars/{calendar.pk}/",
        {
            "name": "変更",
            "blocks": [
                {"weekday": 2, "start": "09:00", "end": "12:00"},
                {"weekday": 2, "start": "10:00", "end": "11:00"},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "Wednesday: 9:00–12:00 overlaps 10:00–11:00" in str(response.json())
    with tenant_context(tenant):
        calendar.refresh_from_db()
        assert calendar.name == "本社"
        assert BusinessBlock.objects.filter(calendar=calendar).count() == 10


def test_policies_crud_with_validation(api_client, tenant) -> None:
    calendar = make_calendar(tenant)
    category = make_category(tenant)
    created = api_client.post(
        "/api/v1/sla-policies/",
        {
            "name": "請求",
            "category": category.pk,
            "first_response_minutes": 60,
            "resolution_minutes": 480,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["calendar"] == calendar.pk and body["priority"] == ""
    bad = api_client.patch(
        f"/api/v1/sla-policies/{body['id']}/", {"resolution_minutes": 30}, format="json"
    )
    assert bad.status_code == 400
    assert "resolution_minutes" in bad.json()["error"]["fields"]
    ok = api_client.patch(
        f"/api/v1/sla-policies/{body['id']}/", {"priority": "urgent"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["priority"] == "urgent"
    assert api_client.get("/api/v1/sla-policies/").json()["results"][0]["name"] == "請求"
    assert api_client.delete(f"/api/v1/sla-policies/{body['id']}/").status_code == 204
    with tenant_context(tenant):
        assert not SlaPolicy.objects.exists()


def test_a_calendar_in_use_cannot_be_deleted(api_client, tenant) -> None:
    calendar = make_calendar(tenant)
    other = make_calendar(tenant, "別")
    make_policy(tenant, other)
    response = api_client.delete(f"/api/v1/business-calendars/{other.pk}/")
    assert response.status_code == 400
    assert api_client.delete(f"/api/v1/business-calendars/{calendar.pk}/").status_code == 400
    with tenant_context(tenant):
        assert BusinessCalendar.objects.count() == 2


def test_staff_read_but_do_not_write(tenant) -> None:
    agent = make_member(tenant, Role.SUPPORT, email="agent@alpha.example.com")
    make_policy(tenant, make_calendar(tenant))
    client = APIClient()
    client.force_authenticate(agent)
    client.force_login(agent)
    assert client.get("/api/v1/sla-policies/").status_code == 200
    assert client.get("/api/v1/business-calendars/").status_code == 200
    response = client.post(
        "/api/v1/business-calendars/", {"name": "x", "blocks": []}, format="json"
    )
    assert response.status_code == 403


def test_another_tenants_policy_is_not_found(api_client, other_tenant) -> None:
    theirs = make_policy(other_tenant, make_calendar(other_tenant))
    assert api_client.get(f"/api/v1/sla-policies/{theirs.pk}/").status_code == 404
