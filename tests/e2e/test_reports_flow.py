"""Issue 4, daily reports: a rep at phone width (375px) writes today's report, taps the
pulled-in visit into "what I did" and submits; the manager opens the team's day, sees the
report unread, reads it and comments; the rep finds the comment under the bell."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from crm.core.context import tenant_context
from crm.core.models import Notification
from sales.activities.models import ActivityKind
from sales.reports.models import DailyReport, DailyReportRead
from tests.e2e.conftest import login
from tests.factories import PASSWORD

from ..sales.test_reports_helpers import add_activity, local, make_team, today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_rep_writes_the_report_on_a_phone_and_the_manager_comments(
    live_server, browser: Browser, page: Page, tenant
) -> None:
    base = live_server.url
    team = make_team(tenant)
    day = today(tenant)
    with tenant_context(tenant):
        add_activity(
            tenant,
            team.rep,
            ActivityKind.VISIT,
            local(tenant, day, 10, 30),
            subject="東海精機 定例訪問",
        )

    phone_ctx = browser.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
    )
    phone_ctx.set_default_timeout(15_000)
    phone = phone_ctx.new_page()
    try:
        login(phone, base, team.rep.email, PASSWORD)
        expect(phone).to_have_url(re.compile(r"/$"))
        phone.goto(f"{base}/sales/reports/")
        phone.get_by_test_id("write-today").click()
        item = phone.get_by_test_id("pulled-item").first
        expect(item).to_contain_text("東海精機 定例訪問")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        item.tap()
        expect(phone.locator("#id_did")).to_have_value(re.compile("10:30 .*東海精機 定例訪問"))
        # the draft saves itself while typing
        phone.locator("#id_results").fill("次回見積依頼をいただきました")
        expect(phone.get_by_test_id("autosave-status")).not_to_be_empty()
        with tenant_context(tenant):
            assert DailyReport.objects.get(author=team.rep).status == "draft"
        # submitting without tomorrow's plan names the field
        phone.get_by_test_id("report-submit").click()
        expect(phone.get_by_test_id("error-plan_tomorrow")).to_be_visible()
        expect(phone.locator("#id_results")).to_have_value("次回見積依頼をいただきました")
        phone.locator("#id_plan_tomorrow").fill("見積書を作成して送付")
        phone.locator("#id_minutes_spent").fill("8:00")
        phone.get_by_test_id("report-submit").click()
        expect(phone.get_by_test_id("report-did")).to_contain_text("東海精機 定例訪問")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        with tenant_context(tenant):
            report = DailyReport.objects.get(author=team.rep)
        assert report.is_submitted and report.minutes_spent == 480

        # the manager, on a desktop
        login(page, base, team.manager.email, PASSWORD)
        expect(page).to_have_url(re.compile(r"/$"))
        page.goto(f"{base}/sales/reports/team/")
        expect(page.get_by_test_id(f"unread-{team.rep.pk}")).to_be_visible()
        expect(page.get_by_test_id(f"missing-{team.other_rep.pk}")).to_have_count(0)
        page.get_by_test_id(f"team-open-{team.rep.pk}").click()
        expect(page.get_by_test_id("read-mark")).to_be_visible()
        with tenant_context(tenant):
            assert DailyReportRead.objects.filter(report=report, reader=team.manager).exists()
        page.fill("#comment-body", "見積、期待しています。明日中に共有を。")
        page.get_by_test_id("comment-send").click()
        expect(page.get_by_test_id("comment-list")).to_contain_text("見積、期待しています")
        page.goto(f"{base}/sales/reports/team/")
        expect(page.get_by_test_id(f"read-{team.rep.pk}")).to_be_visible()

        # the rep sees the comment under the bell
        with tenant_context(tenant):
            assert Notification.objects.filter(user=team.rep, kind="sales.report_comment").exists()
        phone.goto(f"{base}/notifications/")
        entry = phone.get_by_test_id("notification-item").first
        expect(entry).to_contain_text(day.isoformat())  # the title names the report's day
        expect(entry).to_contain_text("見積、期待しています")
        entry.click()
        expect(phone).to_have_url(re.compile(rf"/sales/reports/{report.pk}/$"))
        expect(phone.get_by_test_id("comment-list")).to_contain_text("見積、期待しています")
    finally:
        phone_ctx.close()
