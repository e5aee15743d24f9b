"""/api/v1/daily-reports/: write one's own report (refusals as 400 with field messages,
nothing stored), filters, comments, mark-read, visibility and another tenant's id (404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from crm.core.context import tenant_context
from crm.core.models import Notification
from crm.core.services.apikeys import api_key_create
from sales.reports.models import DailyReport, DailyReportRead

from .test_reports_helpers import Team, make_team, today

pytestmark = pytest.mark.django_db


def key_client(tenant: Any, user: Any, role: str) -> APIClient:
    with tenant_context(tenant):
        _key, raw = api_key_create(tenant=tenant, name=f"{user.email} key", role=role, actor=user)
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return c


def session_client(user: Any) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


@pytest.fixture
def team(tenant: Any) -> Team:
    return make_team(tenant)


def fields(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    return response.json()["error"]["fields"]


def test_a_rep_writes_and_submits_a_report_through_the_api(tenant, team) -> None:
    rep = key_client(tenant, team.rep, "sales")
    day = today(tenant).isoformat()
    created = rep.post(
        "/api/v1/daily-reports/",
        {"date": day, "did": "訪問 3件", "minutes_spent": 420},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["author"] == team.rep.pk
    updated = rep.patch(
        f"/api/v1/daily-reports/{body['id']}/",
        {"plan_tomorrow": "見積提出", "submit": True},
        format="json",
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["status"] == "submitted" and updated.json()["submitted_at"]


def test_bad_input_is_refused_with_messages_and_nothing_stored(tenant, team) -> None:
    rep = session_client(team.rep)
    tomorrow = (today(tenant) + dt.timedelta(days=1)).isoformat()
    future = fields(
        rep.post("/api/v1/daily-reports/", {"date": tomorrow, "did": "x"}, format="json")
    )
    assert "is in the future" in future["date"][0]
    empty = fields(
        rep.post(
            "/api/v1/daily-reports/",
            {"date": today(tenant).isoformat(), "submit": True},
            format="json",
        )
    )
    assert set(empty) == {"did", "plan_tomorrow"}
    with tenant_context(tenant):
        assert not DailyReport.objects.exists()
    rep.post(
        "/api/v1/daily-reports/", {"date": today(tenant).isoformat(), "did": "a"}, format="json"
    )
    twice = fields(
        rep.post(
            "/api/v1/daily-reports/", {"date": today(tenant).isoformat(), "did": "b"}, format="json"
        )
    )
    assert "already have a daily report" in twice["date"][0]
    with tenant_context(tenant):
        assert list(DailyReport.objects.values_list("did", flat=True)) == ["a"]


def test_an_api_key_nobody_made_cannot_write_reports(tenant, api_client) -> None:
    response = api_client.post(
        "/api/v1/daily-reports/", {"date": today(tenant).isoformat(), "did": "x"}, format="json"
    )
    assert "signed-in person" in fields(response)["author"][0]


def test_filters_visibility_comments_and_mark_read(tenant, team) -> None:
    rep = session_client(team.rep)
    other = session_client(team.other_rep)
    day = today(tenant)
    mine = rep.post(
        "/api/v1/daily-reports/",
        {"date": day.isoformat(), "did": "山田工業 訪問", "plan_tomorrow": "電話", "submit": True},
        format="json",
    ).json()
    other.post(
        "/api/v1/daily-reports/",
        {
            "date": (day - dt.timedelta(days=3)).isoformat(),
            "did": "別件",
            "plan_tomorrow": "x",
            "submit": True,
        },
        format="json",
    )
    manager = key_client(tenant, team.manager, "manager")
    listed = manager.get("/api/v1/daily-reports/").json()["results"]
    assert [r["id"] for r in listed] == [mine["id"]]  # the manager's team only
    owner = key_client(tenant, team.owner, "admin")
    assert len(owner.get("/api/v1/daily-reports/").json()["results"]) == 2
    assert [
        r["did"] for r in owner.get("/api/v1/daily-reports/", {"q": "山田"}).json()["results"]
    ] == ["山田工業 訪問"]
    assert (
        owner.get("/api/v1/daily-reports/", {"author": team.other_rep.pk}).json()["results"][0][
            "did"
        ]
        == "別件"
    )
    ranged = owner.get(
        "/api/v1/daily-reports/", {"date_from": (day - dt.timedelta(days=1)).isoformat()}
    ).json()["results"]
    assert [r["id"] for r in ranged] == [mine["id"]]
    assert "date_from" in fields(owner.get("/api/v1/daily-reports/", {"date_from": "x"}))
    assert other.get(f"/api/v1/daily-reports/{mine['id']}/").status_code == 404

    sent = manager.post(
        f"/api/v1/daily-reports/{mine['id']}/comments/", {"body": "いいですね"}, format="json"
    )
    assert sent.status_code == 201, sent.content
    comments = rep.get(f"/api/v1/daily-reports/{mine['id']}/comments/").json()
    assert [c["body"] for c in comments] == ["いいですね"]
    assert fields(manager.post(f"/api/v1/daily-reports/{mine['id']}/comments/", {"body": ""}))
    with tenant_context(tenant):
        assert Notification.objects.filter(user=team.rep, kind="sales.report_comment").count() == 1
    read = owner.post(f"/api/v1/daily-reports/{mine['id']}/mark-read/")
    assert read.status_code == 200 and read.json()["read_by_me"] is True
    with tenant_context(tenant):
        assert DailyReportRead.objects.filter(reader=team.owner).count() == 1
    unread = owner.get("/api/v1/daily-reports/", {"unread": "1"}).json()["results"]
    assert [r["did"] for r in unread] == ["別件"]


def test_another_tenants_report_is_404_everywhere(
    tenant, other_tenant, team, other_api_client
) -> None:
    rep = session_client(team.rep)
    mine = rep.post(
        "/api/v1/daily-reports/",
        {"date": today(tenant).isoformat(), "did": "x", "plan_tomorrow": "y", "submit": True},
        format="json",
    ).json()
    for method, url in (
        ("get", f"/api/v1/daily-reports/{mine['id']}/"),
        ("patch", f"/api/v1/daily-reports/{mine['id']}/"),
        ("get", f"/api/v1/daily-reports/{mine['id']}/comments/"),
        ("post", f"/api/v1/daily-reports/{mine['id']}/comments/"),
        ("post", f"/api/v1/daily-reports/{mine['id']}/mark-read/"),
    ):
        response = getattr(other_api_client, method)(url, {"body": "x"}, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
    assert other_api_client.get("/api/v1/daily-reports/").json()["results"] == []


def test_the_list_answers_in_a_constant_number_of_queries(tenant, team) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sales.reports.models import DailyReportComment

    owner = key_client(tenant, team.owner, "admin")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = owner.get("/api/v1/daily-reports/")
        assert response.status_code == 200
        return len(ctx)

    with tenant_context(tenant):
        DailyReport.objects.create(tenant=tenant, author=team.rep, date=today(tenant), did="x")
    count()  # the key's first use also records its last-used time
    small = count()
    with tenant_context(tenant):
        for i in range(1, 8):
            report = DailyReport.objects.create(
                tenant=tenant,
                author=team.other_rep,
                date=today(tenant) - dt.timedelta(days=i),
                did="y",
                status="submitted",
            )
            DailyReportComment.objects.create(
                tenant=tenant, report=report, author=team.owner, body="c"
            )
    assert count() == small
