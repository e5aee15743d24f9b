"""The forecast's figures for a small fixture, exactly: won in the month (in the tenant's zone),
open deals weighted by the stage's or the overridden probability, best case, pipeline, targets
and attainment; lost, deleted and other tenants' deals never counted; other currencies left
out and counted; fiscal periods; a constant number of queries with more deals and owners."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm.core.context import tenant_context
from crm.core.models import Membership
from crm.core.roles import Role
from sales.deals import services as deal_services
from sales.deals.models import Deal
from sales.forecast import selectors
from sales.forecast.models import SalesTarget
from tests.factories import make_member, owner_of
from tests.sales.helpers import default_pipeline, make_deal

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")
APRIL, MAY, JUNE = dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)


def membership_of(tenant: Any, user: Any) -> Membership:
    with tenant_context(tenant):
        return Membership.objects.select_related("user").get(tenant=tenant, user=user)


def close_at(deal: Deal, when: dt.datetime) -> None:
    """Test data: the deal was won/lost at `when` (the services stamp now())."""
    Deal.objects.filter(pk=deal.pk).update(closed_at=when)


def build_team(tenant: Any) -> SimpleNamespace:
    """A manager with two reps, a rep outside the team, and the admin (alice)."""
    ns = SimpleNamespace(tenant=tenant, admin=owner_of(tenant))
    ns.manager = make_member(tenant, Role.MANAGER, email="kacho@alpha.example.com")
    ns.rep1 = make_member(tenant, Role.SALES, email="sato@alpha.example.com")
    ns.rep2 = make_member(tenant, Role.SALES, email="suzuki@alpha.example.com")
    ns.rep3 = make_member(tenant, Role.SALES, email="takahashi@alpha.example.com")
    with tenant_context(tenant):
        lead = Membership.objects.get(tenant=tenant, user=ns.manager)
        Membership.objects.filter(tenant=tenant, user__in=[ns.rep1, ns.rep2]).update(manager=lead)
    return ns


def build_fixture(tenant: Any, other_tenant: Any) -> SimpleNamespace:
    ns = build_team(tenant)
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        ns.stages = stages
        rep1, rep2 = ns.rep1.pk, ns.rep2.pk
        ns.won_april = make_deal(
            tenant, name="受注 4月", stage=stages["Won"].pk, amount=1_000_000, owner=rep1
        )
        close_at(ns.won_april, dt.datetime(2026, 4, 10, 15, 0, tzinfo=JST))
        # 16:00 UTC on 30 April is 01:00 on 1 May in Tokyo: a May win.
        ns.won_may = make_deal(
            tenant, name="受注 5月", stage=stages["Won"].pk, amount=500_000, owner=rep1
        )
        close_at(ns.won_may, dt.datetime(2026, 4, 30, 16, 0, tzinfo=dt.UTC))
        ns.proposal = make_deal(
            tenant,
            name="提案 30%",
            stage=stages["Proposal"].pk,
            amount=2_000_000,
            owner=rep1,
            expected_close_date=dt.date(2026, 4, 20),
        )
        ns.overridden = make_deal(
            tenant,
            name="見込み 上書き80%",
            stage=stages["Lead"].pk,
            probability=80,
            amount=1_000_000,
            owner=rep1,
            expected_close_date=dt.date(2026, 4, 25),
        )
        ns.lost = make_deal(
            tenant,
            name="失注",
            stage=stages["Lost"].pk,
            lost_reason="価格",
            amount=3_000_000,
            owner=rep1,
            expected_close_date=dt.date(2026, 4, 15),
        )
        close_at(ns.lost, dt.datetime(2026, 4, 15, 12, 0, tzinfo=JST))
        ns.deleted = make_deal(
            tenant,
            name="削除済み",
            stage=stages["Negotiation"].pk,
            amount=5_000_000,
            owner=rep1,
            expected_close_date=dt.date(2026, 4, 5),
        )
        deal_services.deal_soft_delete(tenant=tenant, deal=ns.deleted)
        ns.usd = make_deal(
            tenant,
            name="US deal",
            stage=stages["Negotiation"].pk,
            amount=10_000,
            currency="USD",
            owner=rep1,
            expected_close_date=dt.date(2026, 4, 8),
        )
        ns.quote_may = make_deal(
            tenant,
            name="見積 5月",
            stage=stages["Quote"].pk,
            amount=400_000,
            owner=rep2,
            expected_close_date=dt.date(2026, 5, 10),
        )
        SalesTarget.objects.create(tenant=tenant, user=ns.rep1, month=APRIL, amount=2_000_000)
        SalesTarget.objects.create(tenant=tenant, user=ns.rep2, month=MAY, amount=1_000_000)
    with tenant_context(other_tenant):
        _p, other_stages = default_pipeline(other_tenant)
        make_deal(
            other_tenant,
            name="Beta deal",
            stage=other_stages["Negotiation"].pk,
            amount=9_999_999,
            owner=owner_of(other_tenant).pk,
            expected_close_date=dt.date(2026, 4, 10),
        )
        won = make_deal(
            other_tenant, name="Beta won", stage=other_stages["Won"].pk, amount=7_777_777
        )
        close_at(won, dt.datetime(2026, 4, 10, 12, 0, tzinfo=JST))
    return ns


def run_forecast(tenant: Any, membership: Any, **params: str) -> selectors.Forecast:
    with tenant_context(tenant):
        query = selectors.forecast_query(tenant=tenant, membership=membership, params=params)
        assert query.errors == {}
        return selectors.forecast(tenant=tenant, membership=membership, query=query)


def figures(cell: selectors.Cell) -> dict[str, Any]:
    return cell.as_json()


@pytest.fixture
def fixture(tenant: Any, other_tenant: Any) -> SimpleNamespace:
    return build_fixture(tenant, other_tenant)


def test_it_computes_each_figure_per_month_and_owner(tenant: Any, fixture: Any) -> None:
    admin = membership_of(tenant, fixture.admin)
    result = run_forecast(tenant, admin, **{"from": "2026-04", "to": "2026-06"})
    assert result.months == [APRIL, MAY, JUNE]
    rows = {row.label: row for row in result.rows}
    rep1 = rows[str(fixture.rep1)]
    assert figures(rep1.cells[0]) == {
        "target": 2_000_000,
        "won": 1_000_000,
        "committed": 600_000 + 800_000,  # 30 % of 2,000,000 + the 80 % override of 1,000,000
        "best_case": 1_000_000 + 1_000_000,  # won + open at 50 % or more
        "pipeline": 3_000_000,
        "attainment": 50.0,
        "not_converted": 1,  # the USD deal
    }
    assert figures(rep1.cells[1]) == {
        "target": None,
        "won": 500_000,  # closed 30 April 16:00 UTC = 1 May in Tokyo
        "committed": 0,
        "best_case": 500_000,
        "pipeline": 0,
        "attainment": None,
        "not_converted": 0,
    }
    rep2 = rows[str(fixture.rep2)]
    assert figures(rep2.cells[1]) == {
        "target": 1_000_000,
        "won": 0,
        "committed": 200_000,
        "best_case": 400_000,
        "pipeline": 400_000,
        "attainment": 0.0,
        "not_converted": 0,
    }
    assert figures(result.total)["won"] == 1_500_000
    assert figures(result.total)["pipeline"] == 3_400_000
    assert figures(result.total)["target"] == 3_000_000
    assert result.not_converted == 1
    assert [figures(c)["committed"] for c in result.month_totals] == [1_400_000, 200_000, 0]


def test_it_never_counts_lost_deleted_or_other_tenants_deals(tenant: Any, fixture: Any) -> None:
    admin = membership_of(tenant, fixture.admin)
    result = run_forecast(tenant, admin, **{"from": "2026-04", "to": "2026-04"})
    # 3,000,000 lost, 5,000,000 deleted, 9,999,999 and 7,777,777 of tenant B: none of them.
    assert figures(result.total)["pipeline"] == 3_000_000
    assert figures(result.total)["won"] == 1_000_000
    assert {row.label for row in result.rows} <= {
        str(fixture.rep1),
        str(fixture.rep2),
        str(fixture.rep3),
        str(fixture.manager),
        str(fixture.admin),
    }


def test_a_tenant_in_another_zone_gets_its_own_month_boundaries(tenant: Any, fixture: Any) -> None:
    from crm.core.models import Tenant

    Tenant.objects.filter(pk=tenant.pk).update(time_zone="UTC")
    tenant.refresh_from_db()
    admin = membership_of(tenant, fixture.admin)
    result = run_forecast(tenant, admin, **{"from": "2026-04", "to": "2026-05"})
    assert [figures(c)["won"] for c in result.month_totals] == [1_500_000, 0]


def test_best_case_threshold_is_a_parameter(tenant: Any, fixture: Any) -> None:
    admin = membership_of(tenant, fixture.admin)
    with tenant_context(tenant):
        query = selectors.forecast_query(
            tenant=tenant, membership=admin, params={"from": "2026-04", "to": "2026-04"}
        )
        result = selectors.forecast(tenant=tenant, membership=admin, query=query, best_case_min=30)
    # The 30 % proposal now counts too.
    assert figures(result.total)["best_case"] == 1_000_000 + 1_000_000 + 2_000_000


def test_periods_default_to_this_quarter_and_the_fiscal_year_starts_in_april(
    tenant: Any,
) -> None:
    with tenant_context(tenant):
        quarter = selectors.forecast_query(tenant=tenant, membership=None, params={})
        fiscal = selectors.forecast_query(tenant=tenant, membership=None, params={"period": "fy"})
        january = selectors.forecast_query(
            tenant=tenant, membership=None, params={"period": "fy", "fiscal_start": "1"}
        )
    today = selectors.today_in(tenant)
    assert quarter.count == 3 and quarter.start <= today.replace(day=1) < quarter.end
    assert quarter.start.month in (1, 4, 7, 10)
    assert fiscal.count == 12 and fiscal.start.month == 4 and fiscal.start <= today
    assert january.start == dt.date(today.year, 1, 1)
    assert selectors.fiscal_year_of(dt.date(2027, 3, 31)) == dt.date(2026, 4, 1)
    assert selectors.quarter_of(dt.date(2026, 5, 15)) == APRIL
    assert selectors.quarter_of(dt.date(2026, 2, 1), fiscal_start=4) == dt.date(2026, 1, 1)


def test_bad_period_parameters_say_what_to_fix(tenant: Any) -> None:
    with tenant_context(tenant):
        query = selectors.forecast_query(
            tenant=tenant,
            membership=None,
            params={"from": "2026-13", "to": "2025-01", "fiscal_start": "13"},
        )
        too_long = selectors.forecast_query(
            tenant=tenant, membership=None, params={"from": "2026-04", "months": "60"}
        )
    assert set(query.errors) == {"from", "fiscal_start", "to"}
    assert too_long.count == selectors.MAX_MONTHS and "months" in too_long.errors


def test_the_query_count_stays_the_same_with_more_deals_and_owners(
    tenant: Any, fixture: Any, django_assert_num_queries: Any
) -> None:
    admin = membership_of(tenant, fixture.admin)
    params = {"from": "2026-04", "to": "2026-06"}
    with tenant_context(tenant):
        query = selectors.forecast_query(tenant=tenant, membership=admin, params=params)
        with django_assert_num_queries(5):  # open, won, stages, targets, names
            selectors.forecast(tenant=tenant, membership=admin, query=query)
        stages = fixture.stages
        for index in range(6):
            extra = make_member(tenant, Role.SALES, email=f"extra{index}@alpha.example.com")
            for day in (3, 13, 23):
                make_deal(
                    tenant,
                    name=f"追加 {index}-{day}",
                    stage=stages["Quote"].pk,
                    owner=extra.pk,
                    expected_close_date=dt.date(2026, 5, day),
                )
        query = selectors.forecast_query(tenant=tenant, membership=admin, params=params)
        with django_assert_num_queries(5):
            bigger = selectors.forecast(tenant=tenant, membership=admin, query=query)
    assert len(bigger.rows) >= 8
    assert figures(bigger.month_totals[1])["pipeline"] == 400_000 + 18 * 1_000_000
    assert Decimal(figures(bigger.total)["won"]) == Decimal(1_500_000)


def test_a_named_period_wins_over_months_left_in_the_form(tenant: Any) -> None:
    with tenant_context(tenant):
        named = selectors.forecast_query(
            tenant=tenant,
            membership=None,
            params={"period": "next3", "from": "2020-01", "to": "2020-02"},
        )
        custom = selectors.forecast_query(
            tenant=tenant,
            membership=None,
            params={"period": "custom", "from": "2020-01", "to": "2020-02"},
        )
    assert named.start == selectors.today_in(tenant).replace(day=1) and named.count == 3
    assert (custom.start, custom.count) == (dt.date(2020, 1, 1), 2)
