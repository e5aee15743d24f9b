"""The deal widgets on the dashboard: the viewer's open deals by stage (chart), their deals
closing this month (list) and their sales figures (KPI tiles), each in constant queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.core.context import tenant_context
from crm.core.dashboards import WidgetContext, get_widget
from crm.core.models import Membership
from crm.core.roles import Role
from sales.deals import services
from sales.deals.models import Deal
from tests.factories import make_member
from tests.sales.helpers import default_pipeline, make_deal

pytestmark = pytest.mark.django_db


def context_of(tenant: Any, user: Any) -> WidgetContext:
    with tenant_context(tenant):
        membership = Membership.objects.get(user=user)
    return WidgetContext(tenant=tenant, user=user, membership=membership, role=membership.role)


def run(tenant: Any, user: Any, key: str, ctx: WidgetContext | None = None) -> dict[str, Any]:
    ctx = ctx or context_of(tenant, user)
    with tenant_context(tenant):
        return get_widget(key).data(ctx)  # type: ignore[union-attr]


@pytest.fixture
def rep(tenant) -> Any:
    return make_member(tenant, Role.SALES)


def test_open_deals_by_stage_counts_and_sums_the_viewers_open_deals(tenant, rep) -> None:
    other = make_member(tenant, Role.SALES)
    with tenant_context(tenant):
        pipeline, stages = default_pipeline(tenant)
        make_deal(tenant, pipeline=pipeline, owner=rep, amount=100_000)
        make_deal(tenant, pipeline=pipeline, owner=rep, amount=250_000)
        proposal = make_deal(tenant, pipeline=pipeline, owner=rep, amount=1_000_000)
        services.deal_move_stage(tenant=tenant, deal=proposal, stage=stages["Proposal"])
        won = make_deal(tenant, pipeline=pipeline, owner=rep, amount=9_000_000)
        services.deal_move_stage(tenant=tenant, deal=won, stage=stages["Won"])
        gone = make_deal(tenant, pipeline=pipeline, owner=rep, amount=5_000)
        services.deal_soft_delete(tenant=tenant, deal=gone)
        make_deal(tenant, pipeline=pipeline, owner=other, amount=7_777_777)
    payload = run(tenant, rep, "sales.open_deals_by_stage")
    assert payload["type"] == "bar"
    assert payload["labels"] == ["Lead", "Proposal", "Quote", "Negotiation"]  # open stages only
    counts, amounts = payload["datasets"]
    assert counts["data"] == [2, 1, 0, 0]
    assert amounts["data"] == [350_000, 1_000_000, 0, 0] and amounts["unit"] == "JPY"


def test_deals_closing_this_month_lists_the_viewers_open_deals_soonest_first(tenant, rep) -> None:
    today = timezone.localdate(timezone=tenant.zone)
    start = today.replace(day=1)
    next_month = (start + dt.timedelta(days=32)).replace(day=1)
    with tenant_context(tenant):
        pipeline, stages = default_pipeline(tenant)
        make_deal(
            tenant,
            name="Later",
            pipeline=pipeline,
            owner=rep,
            expected_close_date=next_month - dt.timedelta(days=1),
        )
        make_deal(tenant, name="First", pipeline=pipeline, owner=rep, expected_close_date=start)
        make_deal(
            tenant, name="Next month", pipeline=pipeline, owner=rep, expected_close_date=next_month
        )
        make_deal(tenant, name="No date", pipeline=pipeline, owner=rep)
        won = make_deal(
            tenant, name="Won already", pipeline=pipeline, owner=rep, expected_close_date=start
        )
        services.deal_move_stage(tenant=tenant, deal=won, stage=stages["Won"])
        make_deal(
            tenant,
            name="Not mine",
            pipeline=pipeline,
            owner=make_member(tenant),
            expected_close_date=start,
        )
    payload = run(tenant, rep, "sales.deals_closing_this_month")
    titles = [item["title"] for item in payload["items"]]
    assert titles == ["First", "Later"]
    first = payload["items"][0]
    assert first["url"].startswith("/sales/deals/") and first["badge"] == "¥1,000,000"
    assert first["tone"] == ("danger" if start < today else "warning")
    assert f"close_month={start:%Y-%m}" in payload["more_url"] and "owner=me" in payload["more_url"]


def test_the_empty_list_says_so(tenant, rep) -> None:
    payload = run(tenant, rep, "sales.deals_closing_this_month")
    assert payload["items"] == [] and "expected to close this month" in payload["empty"]


def test_kpis_open_pipeline_won_this_month_and_stale(tenant, rep) -> None:
    with tenant_context(tenant):
        pipeline, stages = default_pipeline(tenant)
        make_deal(tenant, pipeline=pipeline, owner=rep, amount=300_000)
        stale = make_deal(tenant, pipeline=pipeline, owner=rep, amount=200_000)
        # Lead goes stale after 30 days
        Deal.objects.filter(pk=stale.pk).update(
            stage_entered_at=timezone.now() - dt.timedelta(days=31)
        )
        for amount in (1_000_000, 500_000):
            won = make_deal(tenant, pipeline=pipeline, owner=rep, amount=amount)
            services.deal_move_stage(tenant=tenant, deal=won, stage=stages["Won"])
        old_win = make_deal(tenant, pipeline=pipeline, owner=rep, amount=4_000_000)
        services.deal_move_stage(tenant=tenant, deal=old_win, stage=stages["Won"])
        Deal.objects.filter(pk=old_win.pk).update(closed_at=timezone.now() - dt.timedelta(days=62))
    tiles = {t["label"]: t for t in run(tenant, rep, "sales.kpis")["tiles"]}
    assert tiles["Open pipeline"]["value"] == "¥500,000"
    assert tiles["Open pipeline"]["hint"] == "2 open deals"
    assert tiles["Won this month"]["value"] == "¥1,500,000"
    assert tiles["Deals won this month"]["value"] == "2"
    assert tiles["Stale deals"]["value"] == "1"


@pytest.mark.parametrize(
    "key", ["sales.open_deals_by_stage", "sales.deals_closing_this_month", "sales.kpis"]
)
def test_each_widget_costs_the_same_queries_with_many_deals(tenant, rep, key) -> None:
    today = timezone.localdate(timezone=tenant.zone)
    with tenant_context(tenant):
        pipeline, _stages = default_pipeline(tenant)
        make_deal(tenant, pipeline=pipeline, owner=rep, expected_close_date=today)
    ctx = context_of(tenant, rep)
    run(tenant, rep, key, ctx)
    with CaptureQueriesContext(connection) as few:
        run(tenant, rep, key, ctx)
    with tenant_context(tenant):
        for n in range(25):
            make_deal(
                tenant, name=f"Deal {n}", pipeline=pipeline, owner=rep, expected_close_date=today
            )
    with CaptureQueriesContext(connection) as many:
        run(tenant, rep, key, ctx)
    assert len(many) == len(few) <= 2


def test_the_widgets_are_registered_for_sellers(tenant) -> None:
    from crm.core.dashboards import default_layout, widgets_for

    assert {"sales.open_deals_by_stage", "sales.deals_closing_this_month"} <= set(
        default_layout(Role.SALES)
    )
    assert "sales.kpis" in {w.key for w in widgets_for(Role.SALES)}
    assert "sales.kpis" in {w.key for w in widgets_for(Role.VIEWER)}  # sales.view: everyone
