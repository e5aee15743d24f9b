"""The forecast and targets API: the page's figures, drill-down pages whose total equals the
figure, targets list/create/update/bulk/delete with the same rights as the grid, tenant B
never seeing tenant A's targets or figures, and the dashboard widget in constant queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from crm.core.context import tenant_context
from crm.core.dashboards import WidgetContext, get_widget
from crm.core.roles import Role
from sales.forecast.models import SalesTarget
from tests.factories import make_api_key, make_member
from tests.sales.helpers import make_deal
from tests.sales.test_forecast_figures import build_fixture, membership_of

pytestmark = pytest.mark.django_db
RANGE = {"from": "2026-04", "to": "2026-06"}


@pytest.fixture
def fixture(tenant: Any, other_tenant: Any) -> Any:
    return build_fixture(tenant, other_tenant)


def session_api(user: Any) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


def key_api(tenant: Any, role: str) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(tenant, role=role, name=role)}")
    return c


def test_the_forecast_endpoint_gives_the_page_figures(fixture: Any, api_client: Any) -> None:
    body = api_client.get("/api/v1/forecast/", {**RANGE, "scope": "all"}).json()
    assert body["months"] == ["2026-04", "2026-05", "2026-06"]
    april = body["totals"][0]
    assert (april["won"], april["committed"], april["best_case"], april["pipeline"]) == (
        1_000_000,
        1_400_000,
        2_000_000,
        3_000_000,
    )
    assert april["target"] == 2_000_000 and april["attainment"] == 50.0
    rep1 = next(o for o in body["owners"] if o["owner"] == fixture.rep1.pk)
    assert rep1["total"]["won"] == 1_500_000
    one = api_client.get("/api/v1/forecast/", {**RANGE, "owner": fixture.rep2.pk}).json()
    assert [o["owner"] for o in one["owners"]] == [fixture.rep2.pk]
    team = api_client.get("/api/v1/forecast/", {**RANGE, "team": fixture.manager.pk}).json()
    assert {o["owner"] for o in team["owners"]} == {
        fixture.manager.pk,
        fixture.rep1.pk,
        fixture.rep2.pk,
    }
    months = api_client.get("/api/v1/forecast/", {"from": "2026-04", "months": 2}).json()
    assert months["months"] == ["2026-04", "2026-05"]


def test_bad_forecast_parameters_answer_400_with_the_fix(fixture: Any, api_client: Any) -> None:
    response = api_client.get("/api/v1/forecast/", {"from": "April", "fiscal_start": "0"})
    assert response.status_code == 400
    assert "2026-04" in str(response.json())


def test_the_drill_down_endpoint_totals_match_and_pages(
    fixture: Any, api_client: Any, tenant: Any
) -> None:
    response = api_client.get(
        "/api/v1/forecast/deals/",
        {"figure": "committed", "month": "2026-04", "owner": fixture.rep1.pk},
    )
    body = response.json()
    assert Decimal(body["total"]) == Decimal(1_400_000)
    assert {d["id"] for d in body["results"]} == {
        fixture.proposal.pk,
        fixture.overridden.pk,
        fixture.usd.pk,
    }
    assert body["not_converted"] == 1
    overridden = next(d for d in body["results"] if d["id"] == fixture.overridden.pk)
    assert overridden["probability"] == 80 and overridden["probability_overridden"] is True
    assert Decimal(overridden["weighted_amount"]) == Decimal(800_000)
    with tenant_context(tenant):
        for i in range(55):
            make_deal(tenant, name=f"八月 {i}", expected_close_date=dt.date(2026, 8, 1 + i % 28))
    first = api_client.get(
        "/api/v1/forecast/deals/", {"figure": "pipeline", "month": "2026-08"}
    ).json()
    assert len(first["results"]) == 50 and first["count"] == 55 and first["next"]
    second = api_client.get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    unassigned = api_client.get(
        "/api/v1/forecast/deals/", {"figure": "pipeline", "month": "2026-08", "owner": "none"}
    ).json()
    assert unassigned["count"] == 55


def test_targets_list_create_update_bulk_and_delete(
    fixture: Any, tenant: Any, api_client: Any
) -> None:
    created = api_client.post(
        "/api/v1/targets/",
        {"user": fixture.rep3.pk, "month": "2026-06", "amount": "750000"},
        format="json",
    )
    assert created.status_code == 201, created.content
    target_id = created.json()["id"]
    assert created.json()["month"] == "2026-06"
    updated = api_client.patch(f"/api/v1/targets/{target_id}/", {"amount": "800000"}, format="json")
    assert updated.status_code == 200 and updated.json()["amount"] == "800000"
    listed = api_client.get("/api/v1/targets/", {"month": "2026-06"}).json()["results"]
    assert [t["id"] for t in listed] == [target_id]
    bulk = api_client.post(
        "/api/v1/targets/bulk/",
        {
            "targets": [
                {"user": fixture.rep1.pk, "month": "2026-06", "amount": "100"},
                {"user": fixture.rep3.pk, "month": "2026-06", "amount": ""},
            ]
        },
        format="json",
    )
    assert bulk.json() == {"saved": 1, "cleared": 1, "unchanged": 0}
    with tenant_context(tenant):
        assert not SalesTarget.objects.filter(pk=target_id).exists()
        remaining = SalesTarget.objects.get(user=fixture.rep1, month=dt.date(2026, 6, 1))
    assert api_client.delete(f"/api/v1/targets/{remaining.pk}/").status_code == 204


def test_a_bad_bulk_entry_refuses_all(fixture: Any, tenant: Any, api_client: Any) -> None:
    response = api_client.post(
        "/api/v1/targets/bulk/",
        {
            "targets": [
                {"user": fixture.rep1.pk, "month": "2026-07", "amount": "100"},
                {"user": fixture.rep2.pk, "month": "2026-07", "amount": "-3"},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    errors = str(response.json())
    assert f"t_{fixture.rep2.pk}_2026-07" in errors and "negative" in errors
    with tenant_context(tenant):
        assert not SalesTarget.objects.filter(month=dt.date(2026, 7, 1)).exists()


def test_a_rep_key_reads_but_cannot_set_targets(fixture: Any, tenant: Any) -> None:
    rep = key_api(tenant, Role.SALES)
    assert rep.get("/api/v1/targets/").status_code == 200
    refused = rep.post(
        "/api/v1/targets/bulk/",
        {"targets": [{"user": fixture.rep1.pk, "month": "2026-07", "amount": "1"}]},
        format="json",
    )
    assert refused.status_code == 403


def test_a_manager_session_sets_only_the_team(fixture: Any, tenant: Any) -> None:
    manager = session_api(fixture.manager)
    ok = manager.post(
        "/api/v1/targets/bulk/",
        {"targets": [{"user": fixture.rep1.pk, "month": "2026-07", "amount": "1"}]},
        format="json",
    )
    assert ok.status_code == 200
    refused = manager.post(
        "/api/v1/targets/bulk/",
        {"targets": [{"user": fixture.rep3.pk, "month": "2026-07", "amount": "1"}]},
        format="json",
    )
    assert refused.status_code == 400 and "own team" in str(refused.json())


def test_tenant_b_never_sees_tenant_a(
    fixture: Any, tenant: Any, other_api_client: Any, outsider_client: Any
) -> None:
    with tenant_context(tenant):
        target = SalesTarget.objects.get(user=fixture.rep1)
    assert other_api_client.get(f"/api/v1/targets/{target.pk}/").status_code == 404
    assert other_api_client.get("/api/v1/targets/").json()["results"] == []
    body = other_api_client.get("/api/v1/forecast/", {**RANGE, "owner": fixture.rep1.pk}).json()
    assert body["total"]["won"] == 0 and body["total"]["target"] is None
    everyone = other_api_client.get("/api/v1/forecast/", {**RANGE, "scope": "all"}).json()
    # Tenant B's own deal only (9,999,999 open in April, 7,777,777 won).
    assert everyone["total"]["pipeline"] == 9_999_999 and everyone["total"]["won"] == 7_777_777
    drill = other_api_client.get(
        "/api/v1/forecast/deals/",
        {"figure": "pipeline", "month": "2026-04", "owner": fixture.rep1.pk},
    ).json()
    assert drill["results"] == [] and Decimal(drill["total"]) == 0
    page = outsider_client.get("/sales/forecast/deals/", {"figure": "won", "month": "2026-04"})
    assert f"drill-deal-{fixture.won_april.pk}" not in page.content.decode()
    bulk = other_api_client.post(
        "/api/v1/targets/bulk/",
        {"targets": [{"user": fixture.rep1.pk, "month": "2026-04", "amount": "1"}]},
        format="json",
    )
    assert bulk.status_code == 400  # not a member of tenant B
    with tenant_context(tenant):
        assert SalesTarget.objects.get(pk=target.pk).amount == Decimal(2_000_000)


def test_the_widget_answers_in_constant_queries(fixture: Any, tenant: Any) -> None:
    widget = get_widget("sales.forecast_vs_target")
    assert widget is not None and widget.kind == "chart"
    assert Role.SALES in widget.default_for and Role.MANAGER in widget.default_for
    manager = membership_of(tenant, fixture.manager)
    ctx = WidgetContext(tenant=tenant, user=fixture.manager, membership=manager, role="manager")

    def run() -> tuple[dict[str, Any], int]:
        with tenant_context(tenant), CaptureQueriesContext(connection) as captured:
            payload = widget.data(ctx)
        return payload, len(captured.captured_queries)

    payload, queries = run()
    assert len(payload["labels"]) == 3 and len(payload["datasets"]) == 3
    assert payload["more_url"].startswith("/sales/forecast/")
    with tenant_context(tenant):
        today = dt.date.today()
        for i in range(4):
            rep = make_member(tenant, Role.SALES, email=f"w{i}@alpha.example.com")
            make_deal(tenant, owner=rep.pk, expected_close_date=today)
    assert run()[1] == queries
