"""Issue 4, forecast: a manager sets a rep's target in the grid, opens the forecast (the chart
fetches its JSON and draws on its canvas), the rep's deal is won (through the service, as the
board would), the won figure moves after a reload and the drill-down lists the deal; at phone
width the page does not scroll sideways."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from crm.core.context import tenant_context
from crm.core.models import Membership
from crm.core.roles import Role
from sales.deals import services as deal_services
from sales.forecast import selectors
from sales.forecast.models import SalesTarget
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_member

from ..sales.helpers import default_pipeline, make_deal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_sets_a_target_and_sees_the_forecast_move(
    live_server, page: Page, tenant
) -> None:
    base = live_server.url
    manager = make_member(tenant, Role.MANAGER, email="kacho@alpha.example.com")
    rep = make_member(tenant, Role.SALES, email="eigyo@alpha.example.com")
    with tenant_context(tenant):
        lead = Membership.objects.get(tenant=tenant, user=manager)
        Membership.objects.filter(tenant=tenant, user=rep).update(manager=lead)
        _pipeline, stages = default_pipeline(tenant)
        today = selectors.today_in(tenant)
        deal = make_deal(
            tenant,
            name="中部電装 受発注システム",
            stage=stages["Negotiation"].pk,
            amount=2_000_000,
            owner=rep.pk,
            expected_close_date=today,
        )
    month = f"{today:%Y-%m}"

    login(page, base, manager.email, PASSWORD)
    page.goto(f"{base}/sales/forecast/targets/")
    expect(page.get_by_test_id("targets-none")).to_be_visible()
    cell = page.locator(f"#t_{rep.pk}_{month}")
    cell.fill("1,000,000")
    page.get_by_test_id("targets-save").click()
    expect(page.locator(f"#t_{rep.pk}_{month}")).to_have_value("1000000")
    with tenant_context(tenant):
        target = SalesTarget.objects.get(tenant=tenant, user=rep)
    assert target.amount == Decimal(1_000_000) and target.set_by_id == manager.pk

    with page.expect_response(lambda r: "/sales/forecast/data/" in r.url) as answer:
        page.goto(f"{base}/sales/forecast/")
    assert answer.value.status == 200
    assert answer.value.json()["totals"]
    canvas = page.get_by_test_id("forecast-chart")
    expect(canvas).to_have_attribute("data-fetched", "1")
    expect(canvas).to_have_attribute("data-rendered", "1")
    row = page.get_by_test_id(f"forecast-row-{month}")
    expect(row.locator('[data-figure="won"]')).to_have_text("0")
    expect(row.locator('[data-figure="committed"]')).to_have_text("1,400,000")  # 70 %

    with tenant_context(tenant):
        deal_services.deal_move_stage(tenant=tenant, deal=deal, stage=stages["Won"], actor=rep)

    page.reload()
    expect(canvas).to_have_attribute("data-rendered", "1")
    row = page.get_by_test_id(f"forecast-row-{month}")
    expect(row.locator('[data-figure="won"]')).to_have_text("2,000,000")
    expect(row.locator('[data-figure="committed"]')).to_have_text("0")
    expect(row).to_contain_text("200.0 %")
    row.locator('[data-figure="won"]').click()
    expect(page.get_by_test_id(f"drill-deal-{deal.pk}")).to_be_visible()
    expect(page.get_by_test_id("drill-total")).to_contain_text("2,000,000")

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{base}/sales/forecast/")
    expect(canvas).to_have_attribute("data-rendered", "1")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    page.goto(f"{base}/sales/forecast/targets/")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
