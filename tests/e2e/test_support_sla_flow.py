"""Issue 5 item 4, SLA: an admin sets up a business calendar with a lunch break and a
policy in the browser (an overlap is refused first); a new inquiry then shows its timer in
the queue and on its page; the settings pages work at phone width (375 px)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from crm.core.context import tenant_context
from support.sla.models import BusinessCalendar, SlaPolicy
from tests.e2e.conftest import login
from tests.factories import PASSWORD

from ..support.helpers import make_ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_admin_sets_hours_with_lunch_and_a_policy_then_a_ticket_shows_a_timer(
    live_server, browser: Browser, page: Page, tenant, member
) -> None:
    base = live_server.url
    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{base}/support/settings/sla/")
    expect(page.get_by_test_id("sla-policies-empty")).to_be_visible()
    page.get_by_test_id("sla-calendar-new").click()
    page.fill("#id_name", "本社")
    # Monday: a second block overlapping the first is refused, naming the day and times.
    monday = page.get_by_test_id("sla-day-0")
    monday.get_by_test_id("sla-add-block-0").click()
    monday.locator(".sla-start").last.fill("11:00")
    monday.locator(".sla-end").last.fill("19:00")
    page.get_by_test_id("sla-calendar-save").click()
    expect(page.get_by_test_id("sla-block-errors")).to_contain_text("11:00")
    with tenant_context(tenant):
        assert not BusinessCalendar.objects.exists()
    # Remove the bad block (what was typed is still there), then lunch breaks Mon–Fri.
    monday = page.get_by_test_id("sla-day-0")
    row = monday.locator(".sla-block-row").filter(has=page.locator("input[value='11:00']"))
    row.locator("[data-sla-remove-block]").click()
    for weekday in range(5):
        page.get_by_test_id(f"sla-add-lunch-{weekday}").click()
    expect(page.get_by_test_id("sla-day-0").locator(".sla-end").first).to_have_value("12:00")
    page.get_by_test_id("sla-calendar-save").click()
    expect(page.get_by_test_id("sla-calendar-form")).to_be_visible()
    with tenant_context(tenant):
        calendar = BusinessCalendar.objects.get()
        monday_blocks = list(
            calendar.blocks.filter(weekday=0).values_list("start", "end").order_by("start")
        )
    assert monday_blocks == [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(18))]

    page.goto(f"{base}/support/settings/sla/")
    page.get_by_test_id("sla-policy-new").click()
    page.fill("#id_name", "標準")
    page.fill("#id_first_response_hours", "2")
    page.fill("#id_first_response_mins", "30")
    page.fill("#id_resolution_hours", "16")
    page.fill("#id_resolution_mins", "0")
    page.get_by_test_id("sla-policy-save").click()
    expect(page.get_by_test_id("sla-policy-row")).to_contain_text("2:30")
    with tenant_context(tenant):
        policy = SlaPolicy.objects.get()
    assert (policy.first_response_minutes, policy.calendar_id) == (150, calendar.pk)

    ticket = make_ticket(tenant, subject="納期の確認")
    assert ticket.sla_due_at is not None
    page.goto(f"{base}/support/")
    timer = page.get_by_test_id("sla-timer").first
    expect(timer).to_be_visible()
    expect(timer).to_have_attribute("data-state", re.compile("ok|warn"))
    expect(timer).to_have_attribute("data-due", re.compile(r"^\d{4}-\d{2}-\d{2}T"))
    page.goto(f"{base}/support/tickets/{ticket.pk}/")
    expect(page.get_by_test_id("sla-panel").get_by_test_id("sla-timer")).to_be_visible()

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
        login(phone, base, member.email, PASSWORD)
        for path in (
            "/support/settings/sla/",
            f"/support/settings/sla/calendars/{calendar.pk}/",
            f"/support/settings/sla/policies/{policy.pk}/",
        ):
            phone.goto(base + path)
            expect(phone.locator("h1")).to_be_visible()
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375, path
        expect(phone.locator("#id_first_response_hours")).to_have_value("2")
    finally:
        phone_ctx.close()
