"""Issue 4, "done means", as a new user would: a rep plans the day and logs two visits at
phone width, puts a product on a deal and drags the deal to won, finds the order on the
customer, and writes the daily report (the visits and the move pulled in) on the phone; the
manager comments on the report and sees the forecast move."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from contacts.services import company_create
from crm.core.context import tenant_context
from crm.core.models import Membership, Notification
from crm.core.roles import Role
from sales.activities.models import Activity
from sales.forecast import selectors as forecast_selectors
from sales.models import Order
from sales.reports.models import DailyReport
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_contact, make_member

from ..sales.catalog_helpers import make_product, stock_in
from ..sales.helpers import default_pipeline, make_deal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


WIDEST = """Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > 376)
  .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > 376))
  .slice(0, 6)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _fits(page: Page) -> None:
    """Nothing wider than the phone (the message names the widest elements)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.evaluate(WIDEST)


def test_a_rep_works_the_day_and_the_manager_follows(
    live_server, browser: Browser, page: Page, tenant
) -> None:
    base = live_server.url
    manager = make_member(tenant, Role.MANAGER, email="kacho@alpha.example.com")
    rep = make_member(tenant, Role.SALES, email="eigyo@alpha.example.com")
    with tenant_context(tenant):
        boss = Membership.objects.get(tenant=tenant, user=manager)
        Membership.objects.filter(tenant=tenant, user=rep).update(manager=boss)
        _pipeline, stages = default_pipeline(tenant)
        company = company_create(tenant=tenant, name="東海精機株式会社")
        contact = make_contact(tenant, last_name="田中", first_name="一郎", company=company.pk)
        product = make_product(
            tenant, "SV-100", name="保守サービス年間", unit_price=Decimal("100000")
        )
        stock_in(tenant, product, 10)
        today = forecast_selectors.today_in(tenant)
        deal = make_deal(
            tenant,
            name="東海精機 保守契約",
            stage=stages["Negotiation"].pk,
            owner=rep.pk,
            contacts=[contact.pk],
            expected_close_date=today,
        )
    month = f"{today:%Y-%m}"

    # The manager looks at this month's forecast: nothing won yet.
    login(page, base, manager.email, PASSWORD)
    page.goto(f"{base}/sales/forecast/")
    row = page.get_by_test_id(f"forecast-row-{month}")
    expect(row.locator('[data-figure="won"]')).to_have_text("0")

    phone_ctx = browser.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
    )
    phone_ctx.set_default_timeout(15_000)
    desk_ctx = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1920, "height": 1080}
    )
    desk_ctx.set_default_timeout(15_000)
    phone, desk = phone_ctx.new_page(), desk_ctx.new_page()
    try:
        # 1. On the phone: plan the day (a task) and log two visits.
        login(phone, base, rep.email, PASSWORD)
        expect(phone).to_have_url(re.compile(r"/$"))
        phone.goto(f"{base}/sales/my-day/")
        form = phone.get_by_test_id("quick-add")
        form.locator("#id_kind").select_option("task")
        form.locator("#id_subject").fill("保守契約の見積書を送る")
        form.locator("#id_time").fill("09:00")
        form.get_by_test_id("quick-add-save").click()
        today_list = phone.get_by_test_id("today")
        expect(today_list.get_by_text("保守契約の見積書を送る")).to_be_visible()
        for subject, time, place, who in (
            ("田中様 定例訪問", "10:00", "名古屋市中区", "田中"),
            ("新規開拓 飛び込み", "14:30", "岐阜市", ""),
        ):
            form = phone.get_by_test_id("quick-add")
            form.locator("#id_kind").select_option("visit")
            form.locator("#id_subject").fill(subject)
            form.locator("#id_time").fill(time)
            form.locator("#id_place").fill(place)
            if who:
                form.get_by_test_id("contact-search").fill(who)
                expect(form.locator("#id_contact option:checked")).to_have_text(re.compile(who))
            form.get_by_test_id("quick-add-save").click()
            expect(today_list.get_by_text(subject)).to_be_visible()
        with tenant_context(tenant):
            visits = list(Activity.objects.filter(owner=rep, kind="visit").order_by("starts_at"))
        assert [v.subject for v in visits] == ["田中様 定例訪問", "新規開拓 飛び込み"]
        assert visits[0].contact_id == contact.pk
        for visit in visits:
            phone.get_by_test_id(f"complete-{visit.pk}").tap()
            expect(
                phone.get_by_test_id(f"activity-{visit.pk}").get_by_test_id("done-badge")
            ).to_be_visible()
        _fits(phone)

        # 2. At the desk: a product on the deal, then drag it to won.
        login(desk, base, rep.email, PASSWORD)
        desk.goto(f"{base}/sales/deals/{deal.pk}/")
        desk.get_by_test_id("edit-lines").click()
        desk.locator('input[name="line_product"]').first.fill("SV-100")
        desk.locator('input[name="line_quantity"]').first.fill("3")
        desk.get_by_test_id("lines-save").click()
        expect(desk.get_by_test_id("deal-lines")).to_contain_text("保守サービス年間")
        desk.goto(f"{base}/sales/deals/board/")
        card = desk.get_by_test_id(f"card-{deal.pk}")
        card.drag_to(
            desk.get_by_test_id(f"column-{stages['Won'].pk}").locator(".deal-column-cards")
        )
        won_column = desk.get_by_test_id(f"column-{stages['Won'].pk}")
        expect(won_column.get_by_test_id(f"card-{deal.pk}")).to_be_visible()
        expect(desk.get_by_test_id(f"count-{stages['Won'].pk}")).to_have_text("1")
        with tenant_context(tenant):
            order = Order.objects.get(deal=deal)
            assert order.subtotal == Decimal("300000") and order.contact_id == contact.pk
            assert order.status == "confirmed"
            product.refresh_from_db()
        assert product.stock_on_hand == 7  # stock moves with the order

        # ... and the order is on the customer.
        desk.goto(f"{base}/contacts/{contact.pk}/")
        panel = desk.get_by_test_id("purchases-panel")
        expect(panel.get_by_test_id("purchases-count")).to_have_text("1")
        expect(panel.get_by_test_id("purchases-total")).to_have_text("¥330,000")  # 10 % tax
        expect(
            desk.get_by_test_id("timeline")
            .get_by_test_id("timeline-entry")
            .filter(has_text=order.order_number)
        ).to_have_count(1)

        # The customer's page, with the visit on its timeline, fits the phone too.
        phone.goto(f"{base}/contacts/{contact.pk}/")
        expect(phone.get_by_test_id("timeline")).to_contain_text("田中様 定例訪問")
        _fits(phone)

        # 3. On the phone: the daily report, the visits and the win pulled in.
        phone.goto(f"{base}/sales/reports/")
        phone.get_by_test_id("write-today").click()
        pulled = phone.get_by_test_id("pulled-item")
        expect(pulled.filter(has_text="田中様 定例訪問")).to_have_count(1)
        expect(pulled.filter(has_text="新規開拓 飛び込み")).to_have_count(1)
        expect(pulled.filter(has_text="東海精機 保守契約")).to_have_count(1)
        _fits(phone)
        for text in ("田中様 定例訪問", "新規開拓 飛び込み", "東海精機 保守契約"):
            pulled.filter(has_text=text).tap()
        expect(phone.locator("#id_did")).to_have_value(re.compile("東海精機 保守契約"))
        phone.locator("#id_results").fill("保守契約を受注（30万円）")
        phone.locator("#id_issues").fill("飛び込み先は決裁者不在")
        phone.locator("#id_plan_tomorrow").fill("岐阜の見込み客に再訪問のアポ")
        phone.locator("#id_minutes_spent").fill("8:30")
        phone.get_by_test_id("report-submit").click()
        expect(phone.get_by_test_id("report-did")).to_contain_text("田中様 定例訪問")
        with tenant_context(tenant):
            report = DailyReport.objects.get(author=rep, date=today)
        assert report.is_submitted and report.minutes_spent == 510

        # 4. The manager reads and comments, and the forecast has moved.
        page.goto(f"{base}/sales/reports/team/")
        expect(page.get_by_test_id(f"unread-{rep.pk}")).to_be_visible()
        page.get_by_test_id(f"team-open-{rep.pk}").click()
        expect(page.get_by_test_id("report-did")).to_contain_text("新規開拓 飛び込み")
        page.fill("#comment-body", "受注おめでとう。岐阜は私も同行します。")
        page.get_by_test_id("comment-send").click()
        expect(page.get_by_test_id("comment-list")).to_contain_text("岐阜は私も同行します")
        page.goto(f"{base}/sales/forecast/")
        row = page.get_by_test_id(f"forecast-row-{month}")
        expect(row.locator('[data-figure="won"]')).to_have_text("300,000")
        row.locator('[data-figure="won"]').click()
        expect(page.get_by_test_id(f"drill-deal-{deal.pk}")).to_be_visible()

        # The rep is told about the comment.
        with tenant_context(tenant):
            assert Notification.objects.filter(user=rep, kind="sales.report_comment").exists()
        phone.goto(f"{base}/notifications/")
        expect(phone.get_by_test_id("notification-item").first).to_contain_text("同行します")
    finally:
        phone_ctx.close()
        desk_ctx.close()
