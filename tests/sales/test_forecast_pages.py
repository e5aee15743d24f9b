"""Forecast pages: the table and per-person rows, the chart's JSON, drill-downs whose totals
equal the cell they came from, record visibility (a rep sees their own figures under
own_team, a manager their team), constant queries, and the phone-width wrapper."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.models import Tenant
from crm.core.roles import Role
from sales.forecast import selectors
from tests.factories import make_member
from tests.sales.helpers import make_deal
from tests.sales.test_forecast_figures import (
    build_fixture,
    membership_of,
)

pytestmark = pytest.mark.django_db
RANGE = {"from": "2026-04", "to": "2026-06"}


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def fixture(tenant: Any, other_tenant: Any) -> Any:
    return build_fixture(tenant, other_tenant)


def test_the_page_shows_the_month_table_and_each_person(
    tenant: Any, fixture: Any, member_client: Any
) -> None:
    response = member_client.get(reverse("sales:forecast"), {**RANGE, "who": "all"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="forecast-table"' in html
    april = re.search(r'data-testid="forecast-row-2026-04">(.*?)</tr>', html, re.S)
    assert april is not None
    row = april.group(1)
    for figure in ("2,000,000", "1,000,000", "1,400,000", "3,000,000", "50.0 %"):
        assert figure in row
    assert f'data-testid="forecast-owner-{fixture.rep1.pk}"' in html
    assert "not converted" in html  # the USD deal is said to be left out
    assert 'class="table-responsive-phone' in html
    assert "vendor/chartjs/chart.umd.js" in html and "js/forecast.js" in html


def test_the_chart_json_has_the_same_figures(tenant: Any, fixture: Any, member_client: Any) -> None:
    response = member_client.get(reverse("sales:forecast_data"), {**RANGE, "who": "all"})
    body = json.loads(response.content)
    assert body["months"] == ["2026-04", "2026-05", "2026-06"]
    won = next(d for d in body["chart"]["datasets"] if d["kind"] == "bar")
    assert won["data"] == [1_000_000, 500_000, 0]
    target = next(d for d in body["chart"]["datasets"] if d["kind"] == "line")
    assert target["data"] == [2_000_000, 1_000_000, 0]
    assert body["totals"][0]["committed"] == 1_400_000
    assert body["not_converted"] == 1


@pytest.mark.parametrize("figure", ["won", "committed", "best_case", "pipeline"])
def test_a_drill_down_total_equals_its_cell(
    tenant: Any, fixture: Any, member_client: Any, figure: str
) -> None:
    admin = membership_of(tenant, fixture.admin)
    with tenant_context(tenant):
        query = selectors.forecast_query(
            tenant=tenant, membership=admin, params={**RANGE, "who": "all"}
        )
        result = selectors.forecast(tenant=tenant, membership=admin, query=query)
        rep1 = next(r for r in result.rows if r.key == str(fixture.rep1.pk))
        for month, cell in zip(result.months, rep1.cells, strict=True):
            drill = selectors.drill_down(
                tenant=tenant,
                membership=admin,
                query=query,
                figure=figure,
                month=month,
                owner=str(fixture.rep1.pk),
            )
            assert drill.total == getattr(cell, figure), (figure, month)
        whole = selectors.drill_down(
            tenant=tenant, membership=admin, query=query, figure=figure, month=None
        )
        assert whole.total == getattr(result.total, figure)
    page = member_client.get(
        reverse("sales:forecast_deals"),
        {**RANGE, "who": "all", "figure": figure, "month": "2026-04", "owner_row": fixture.rep1.pk},
    )
    assert page.status_code == 200


def test_the_drill_down_lists_the_deals_with_their_weights(
    tenant: Any, fixture: Any, member_client: Any
) -> None:
    page = member_client.get(
        reverse("sales:forecast_deals"),
        {**RANGE, "figure": "committed", "month": "2026-04", "owner_row": fixture.rep1.pk},
    )
    html = page.content.decode()
    assert f'data-testid="drill-deal-{fixture.proposal.pk}"' in html
    assert f'data-testid="drill-deal-{fixture.overridden.pk}"' in html
    assert f'data-testid="drill-deal-{fixture.usd.pk}"' in html  # listed, not summed
    assert f'data-testid="drill-deal-{fixture.lost.pk}"' not in html
    assert f'data-testid="drill-deal-{fixture.deleted.pk}"' not in html
    assert "600,000" in html and "800,000" in html  # weighted amounts
    assert "1,400,000" in html  # the total


def test_drill_down_pages_by_keyset_in_constant_queries(
    tenant: Any, fixture: Any, member_client: Any
) -> None:
    url = reverse("sales:forecast_deals")
    params = {"from": "2026-07", "to": "2026-07", "figure": "pipeline", "month": "2026-07"}

    def count() -> int:
        member_client.get(url, params)  # warm: the per-tenant lists come from the cache after it
        with CaptureQueriesContext(connection) as captured:
            assert member_client.get(url, params).status_code == 200
        return len(captured.captured_queries)

    with tenant_context(tenant):
        make_deal(tenant, name="七月 0", expected_close_date=dt.date(2026, 7, 1))
    few = count()
    with tenant_context(tenant):
        for i in range(1, 60):
            make_deal(tenant, name=f"七月 {i}", expected_close_date=dt.date(2026, 7, 1 + i % 28))
    assert count() == few
    first = member_client.get(url, params).content.decode()
    match = re.search(r"before=(\d+)", first)
    assert match is not None
    second = member_client.get(url, {**params, "before": match.group(1)}).content.decode()
    assert second.count('data-testid="drill-deal-') == 10
    assert "60 deals" in second


def test_the_page_takes_the_same_queries_with_more_deals_and_owners(
    tenant: Any, fixture: Any, member_client: Any
) -> None:
    url = reverse("sales:forecast")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert member_client.get(url, {**RANGE, "who": "all"}).status_code == 200
        return len(captured.captured_queries)

    before = count()
    with tenant_context(tenant):
        for i in range(5):
            rep = make_member(tenant, Role.SALES, email=f"more{i}@alpha.example.com")
            make_deal(tenant, owner=rep.pk, expected_close_date=dt.date(2026, 5, 1 + i))
    assert count() == before


def test_under_own_team_a_rep_sees_only_their_team_and_not_others(
    tenant: Any, fixture: Any
) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(record_visibility="own_team")
    rep3 = client_for(fixture.rep3)
    body = json.loads(rep3.get(reverse("sales:forecast_data"), {**RANGE, "who": "all"}).content)
    # rep3 has no manager: only their own (empty) figures.
    assert body["total"]["pipeline"] == 0 and body["total"]["won"] == 0
    asked = json.loads(
        rep3.get(reverse("sales:forecast_data"), {**RANGE, "owner": fixture.rep1.pk}).content
    )
    assert asked["total"]["won"] == 0 and "owner" in asked["errors"]
    drill = rep3.get(
        reverse("sales:forecast_deals"),
        {**RANGE, "figure": "pipeline", "month": "2026-04", "owner_row": fixture.rep1.pk},
    ).content.decode()
    assert f"drill-deal-{fixture.proposal.pk}" not in drill


def test_a_rep_defaults_to_their_own_figures(tenant: Any, fixture: Any) -> None:
    rep2 = client_for(fixture.rep2)
    body = json.loads(rep2.get(reverse("sales:forecast_data"), RANGE).content)
    assert body["scope"]["scope"] == "me"
    assert [o["owner"] for o in body["owners"]] == [fixture.rep2.pk]
    assert body["total"]["pipeline"] == 400_000


def test_a_manager_sees_their_team_by_default(tenant: Any, fixture: Any) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(record_visibility="own_team")
    manager = client_for(fixture.manager)
    body = json.loads(manager.get(reverse("sales:forecast_data"), RANGE).content)
    assert body["scope"]["scope"] == "team"
    owners = {o["owner"] for o in body["owners"]}
    assert owners == {fixture.manager.pk, fixture.rep1.pk, fixture.rep2.pk}
    assert body["total"]["won"] == 1_500_000
    # Everyone = everyone the manager may see: still the team, never rep3.
    everyone = json.loads(
        manager.get(reverse("sales:forecast_data"), {**RANGE, "who": "all"}).content
    )
    assert fixture.rep3.pk not in {o["owner"] for o in everyone["owners"]}


def test_an_admin_can_look_at_one_team(tenant: Any, fixture: Any, member_client: Any) -> None:
    body = json.loads(
        member_client.get(
            reverse("sales:forecast_data"), {**RANGE, "who": f"team:{fixture.manager.pk}"}
        ).content
    )
    assert {o["owner"] for o in body["owners"]} == {
        fixture.manager.pk,
        fixture.rep1.pk,
        fixture.rep2.pk,
    }


def test_an_empty_forecast_says_what_to_do(tenant: Any, member_client: Any) -> None:
    html = member_client.get(reverse("sales:forecast")).content.decode()
    assert 'data-testid="forecast-no-targets"' in html
    assert 'data-testid="forecast-empty"' in html
