"""Issue 4, dashboards: a rep opens the home page and sees their default widgets drawn (a
chart and a list), adds the KPI tiles from the catalogue, moves a widget with the keyboard,
removes one (and tries the undo), saves, reloads and finds the layout kept; a manager
publishes a dashboard and a rep of theirs views it; at 375px the grid is one column with no
sideways scroll; the bell shows a notification and marking it read clears the count; a
widget an app registers shows in the catalogue and draws."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from crm.core.context import tenant_context
from crm.core.dashboards import Widget
from crm.core.dashboards.models import Dashboard
from crm.core.models import Membership
from crm.core.roles import Role
from crm.core.services.notifications import notify
from tests.core.test_dashboards_helpers import registered
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_member

from ..sales.helpers import default_pipeline, make_deal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def card(page: Page, key: str) -> Any:
    return page.locator(f'.dash-card[data-key="{key}"]')


def order(page: Page) -> list[str]:
    return page.locator("#dash-grid .dash-card").evaluate_all("els => els.map(e => e.dataset.key)")


def seed_deals(tenant: Any, rep: Any) -> None:
    with tenant_context(tenant):
        pipeline, _stages = default_pipeline(tenant)
        make_deal(
            tenant,
            name="東海精機 生産管理システム",
            pipeline=pipeline,
            owner=rep,
            amount=2_400_000,
            expected_close_date=timezone.localdate(timezone=tenant.zone),
        )
        make_deal(tenant, name="北斗物流 倉庫管理", pipeline=pipeline, owner=rep, amount=800_000)


def test_a_rep_arranges_their_dashboard_and_it_stays(live_server, page: Page, tenant) -> None:
    base = live_server.url
    rep = make_member(tenant, Role.SALES, email="rep@alpha.example.com")
    seed_deals(tenant, rep)
    login(page, base, rep.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))

    chart = card(page, "sales.open_deals_by_stage")
    expect(chart.locator("canvas")).to_be_visible()
    closing = card(page, "sales.deals_closing_this_month")
    expect(closing.get_by_test_id("widget-list").locator("li")).to_have_count(1)
    expect(closing.get_by_role("link", name="東海精機 生産管理システム")).to_be_visible()
    expect(card(page, "sales.kpis")).to_have_count(0)

    page.get_by_test_id("dashboard-edit").click()
    expect(page.get_by_test_id("dashboard-toolbar")).to_be_visible()
    page.get_by_test_id("dashboard-add").click()
    catalogue = page.get_by_test_id("dashboard-catalogue")
    expect(catalogue).to_contain_text("自分の営業実績")  # "My sales figures", in Japanese
    catalogue.locator('[data-testid=catalogue-add][data-key="sales.kpis"]').click()
    kpis = card(page, "sales.kpis")
    expect(kpis.get_by_test_id("kpi-tile")).to_have_count(4)
    expect(kpis).to_contain_text("¥3,200,000")
    assert order(page)[-1] == "sales.kpis"

    # the keyboard: focus "move up" and press Enter twice
    before = order(page)
    up = kpis.get_by_test_id("widget-up")
    up.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expected = before[:-3] + ["sales.kpis"] + before[-3:-1]
    assert order(page) == expected
    expect(up).to_be_focused()
    # "… moved to position N", in Japanese
    expect(page.get_by_test_id("dashboard-status")).to_contain_text("番目に移動しました")
    kpis.get_by_test_id("widget-size").select_option("l")
    expect(kpis).to_have_class(re.compile(r"dash-size-l"))

    # remove, undo, remove again
    closing.get_by_test_id("widget-remove").click()
    expect(card(page, "sales.deals_closing_this_month")).to_have_count(0)
    expect(page.get_by_test_id("dashboard-undo-toast")).to_be_visible()
    page.get_by_test_id("dashboard-undo").click()
    expect(card(page, "sales.deals_closing_this_month")).to_have_count(1)
    card(page, "sales.deals_closing_this_month").get_by_test_id("widget-remove").click()
    expected = order(page)
    assert "sales.deals_closing_this_month" not in expected

    page.get_by_test_id("dashboard-save").click()
    expect(page.get_by_test_id("dashboard-toolbar")).to_be_hidden()
    page.reload()
    expect(card(page, "sales.kpis").get_by_test_id("kpi-tile")).to_have_count(4)
    assert order(page) == expected
    expect(card(page, "sales.kpis")).to_have_class(re.compile(r"dash-size-l"))
    with tenant_context(tenant):
        stored = Dashboard.objects.get(owner=rep).layout
    assert [i["key"] for i in stored] == expected


def test_a_bad_save_shows_the_error_and_keeps_the_edit(live_server, page: Page, tenant) -> None:
    base = live_server.url
    rep = make_member(tenant, Role.SALES, email="rep@alpha.example.com")
    login(page, base, rep.email, PASSWORD)
    page.get_by_test_id("dashboard-edit").click()
    page.get_by_test_id("dashboard-name-input").fill("")
    page.get_by_test_id("dashboard-save").click()
    expect(page.get_by_test_id("dashboard-errors")).to_be_visible()
    expect(page.get_by_test_id("dashboard-toolbar")).to_be_visible()
    with tenant_context(tenant):
        assert Dashboard.objects.get(owner=rep).name != ""


def test_a_manager_publishes_and_a_rep_views_it(
    live_server, browser: Browser, page: Page, tenant
) -> None:
    base = live_server.url
    manager = make_member(tenant, Role.MANAGER, email="boss@alpha.example.com")
    rep = make_member(tenant, Role.SALES, email="rep@alpha.example.com")
    seed_deals(tenant, rep)
    with tenant_context(tenant):
        lead = Membership.objects.get(user=manager)
        Membership.objects.filter(user=rep).update(manager=lead)

    login(page, base, manager.email, PASSWORD)
    page.get_by_test_id("dashboard-edit").click()
    page.get_by_test_id("dashboard-publish").click()
    expect(page.get_by_test_id("published-note")).to_be_visible()
    with tenant_context(tenant):
        published = Dashboard.objects.get(owner=manager)
    assert published.published_to_team

    ctx = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900}
    )
    rep_page = ctx.new_page()
    try:
        login(rep_page, base, rep.email, PASSWORD)
        rep_page.get_by_test_id("dashboard-switcher").click()
        rep_page.get_by_test_id("team-dashboard-link").click()
        expect(rep_page).to_have_url(re.compile(rf"/dashboards/{published.pk}/$"))
        expect(rep_page.get_by_test_id("team-dashboard-note")).to_be_visible()
        expect(rep_page.get_by_test_id("dashboard-edit")).to_have_count(0)
        # drawn with the rep's data: their deal, not the manager's (who has none)
        expect(
            card(rep_page, "sales.deals_closing_this_month").get_by_role(
                "link", name="東海精機 生産管理システム"
            )
        ).to_be_visible()
        rep_page.get_by_test_id("dashboard-copy").click()
        expect(rep_page.get_by_test_id("dashboard-edit")).to_be_visible()
    finally:
        ctx.close()


def test_at_375px_the_grid_is_one_column_without_sideways_scroll(
    live_server, browser: Browser, tenant
) -> None:
    base = live_server.url
    rep = make_member(tenant, Role.SALES, email="rep@alpha.example.com")
    seed_deals(tenant, rep)
    ctx = browser.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 375, "height": 800},
        is_mobile=True,
        has_touch=True,
    )
    page = ctx.new_page()
    try:
        login(page, base, rep.email, PASSWORD)
        expect(card(page, "sales.open_deals_by_stage").locator("canvas")).to_be_visible()
        boxes = [c.bounding_box() for c in page.locator("#dash-grid .dash-card").all()]
        assert len(boxes) >= 2
        assert len({round(b["x"]) for b in boxes if b}) == 1  # one column
        assert all(b and b["x"] + b["width"] <= 375 for b in boxes)
        expect(page.get_by_test_id("bell-toggle")).to_be_visible()  # not hidden in the menu
        page.get_by_test_id("dashboard-edit").click()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, width
    finally:
        ctx.close()


def test_the_bell_shows_a_notification_and_mark_read_clears_it(
    live_server, page: Page, tenant
) -> None:
    base = live_server.url
    rep = make_member(tenant, Role.SALES, email="rep@alpha.example.com")
    with tenant_context(tenant):
        notify(
            tenant=tenant,
            user=rep,
            kind="sales.reminder",
            title="14:00 東海精機 訪問",
            url="/sales/deals/",
        )
    login(page, base, rep.email, PASSWORD)
    expect(page.get_by_test_id("bell-count")).to_have_text(re.compile(r"^1"))
    page.get_by_test_id("bell-toggle").click()
    expect(page.get_by_test_id("bell-item")).to_contain_text("14:00 東海精機 訪問")
    page.get_by_test_id("bell-read-all").click()
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    expect(page.get_by_test_id("bell-item")).to_have_count(1)
    # following one from the page goes to its link
    with tenant_context(tenant):
        notify(
            tenant=tenant, user=rep, kind="sales.reminder", title="見積の期限", url="/sales/deals/"
        )
    page.goto(f"{base}/notifications/")
    page.get_by_test_id("notification-item").first.click()
    expect(page).to_have_url(re.compile(r"/sales/deals/$"))
    expect(page.get_by_test_id("bell-count")).to_have_count(0)


def test_a_widget_an_app_registers_is_in_the_catalogue_and_draws(
    live_server, page: Page, tenant
) -> None:
    def probe(ctx: Any) -> dict[str, Any]:
        return {
            "tiles": [{"label": "Probe tile", "value": f"#{ctx.user.pk}", "hint": "", "url": ""}]
        }

    base = live_server.url
    rep = make_member(tenant, Role.SALES, email="rep@alpha.example.com")
    extra = Widget(
        key="probe.tiles",
        title="Probe tiles",
        description="Registered by a test app",
        perm="app.use",
        kind="kpi",
        data=probe,
    )
    with registered(extra):
        login(page, base, rep.email, PASSWORD)
        page.get_by_test_id("dashboard-edit").click()
        page.get_by_test_id("dashboard-add").click()
        expect(page.get_by_test_id("dashboard-catalogue")).to_contain_text(
            "Registered by a test app"
        )
        page.locator('[data-testid=catalogue-add][data-key="probe.tiles"]').click()
        expect(card(page, "probe.tiles").get_by_test_id("kpi-tile")).to_contain_text(f"#{rep.pk}")
