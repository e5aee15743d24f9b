"""Issue 4, activities: at phone width (375px) a rep plans the day on My day: adds two visits
with the quick-add form (one for a contact found by typing part of the name), completes one
with a tap, finds it on the contact's timeline, and sees both in the calendar's week view
(then moves a week on and back with the keyboard)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from contacts.services import company_create
from crm.core.context import tenant_context
from crm.core.roles import Role
from sales.activities.models import Activity
from tests.e2e.conftest import _new_page, login
from tests.factories import PASSWORD, make_contact, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def narrow_page(browser: Browser, request: Any) -> Iterator[Page]:
    yield from _new_page(
        browser, request, viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_rep_plans_the_day_logs_two_visits_and_completes_one_at_phone_width(
    live_server, narrow_page: Page, tenant
) -> None:
    page = narrow_page
    base = live_server.url
    rep = make_member(tenant, Role.SALES, email="rep@alpha.example.com")
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="東海精機株式会社")
        contact = make_contact(tenant, last_name="田中", first_name="一郎", company=company.pk)

    login(page, base, rep.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{base}/sales/my-day/")
    expect(page.get_by_test_id("my-day-empty")).to_be_visible()
    _no_sideways_scroll(page)

    form = page.get_by_test_id("quick-add")
    form.locator("#id_kind").select_option("visit")
    form.locator("#id_subject").fill("田中様 定期訪問")
    form.locator("#id_time").fill("10:00")
    form.locator("#id_duration_minutes").select_option("60")
    form.locator("#id_place").fill("名古屋市中区")
    form.get_by_test_id("contact-search").fill("田中")
    expect(form.locator("#id_contact option:checked")).to_have_text(re.compile("田中"))
    form.get_by_test_id("quick-add-save").click()
    expect(page.get_by_test_id("today").get_by_text("田中様 定期訪問")).to_be_visible()

    page.get_by_test_id("quick-add").locator("#id_kind").select_option("visit")
    page.get_by_test_id("quick-add").locator("#id_subject").fill("新規開拓 飛び込み")
    page.get_by_test_id("quick-add").locator("#id_time").fill("14:30")
    page.get_by_test_id("quick-add").locator("#id_place").fill("岐阜市")
    page.get_by_test_id("quick-add-save").click()
    expect(page.get_by_test_id("today").get_by_text("新規開拓 飛び込み")).to_be_visible()
    _no_sideways_scroll(page)

    with tenant_context(tenant):
        first = Activity.objects.get(subject="田中様 定期訪問")
        second = Activity.objects.get(subject="新規開拓 飛び込み")
    assert first.contact_id == contact.pk and first.owner_id == rep.pk
    assert first.kind == second.kind == "visit"
    rows = page.get_by_test_id("today").locator("li.activity-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-testid", f"activity-{first.pk}")  # 10:00 first

    page.get_by_test_id(f"complete-{first.pk}").tap()
    row = page.get_by_test_id(f"activity-{first.pk}")
    expect(row.get_by_test_id("done-badge")).to_be_visible()
    expect(page.get_by_test_id(f"complete-{second.pk}")).to_be_visible()
    with tenant_context(tenant):
        first.refresh_from_db()
    assert first.done_at is not None

    page.goto(f"{base}/contacts/{contact.pk}/")
    timeline = page.get_by_test_id("timeline")
    entry = timeline.get_by_test_id("timeline-entry").filter(has_text="田中様 定期訪問")
    expect(entry).to_have_count(1)
    expect(entry).to_have_attribute("data-kind", "meeting")
    # (The contact page itself is 4px too wide at 375px: contacts' `row g-4` against the
    # phone padding of main in app.css; not this feature's page, reported.)

    page.goto(f"{base}/sales/calendar/?view=week")
    week = page.get_by_test_id("week-view")
    expect(week.get_by_test_id(f"cal-item-{first.pk}")).to_be_visible()
    expect(week.get_by_test_id(f"cal-item-{second.pk}")).to_be_visible()
    _no_sideways_scroll(page)
    title = page.get_by_test_id("calendar-title").inner_text()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("calendar-title")).not_to_have_text(title)
    expect(page.get_by_test_id(f"cal-item-{first.pk}")).to_have_count(0)
    page.keyboard.press("t")
    expect(page.get_by_test_id("calendar-title")).to_have_text(title)
    expect(page.get_by_test_id(f"cal-item-{second.pk}")).to_be_visible()

    # the month view fits the phone too, and tapping a day's empty space adds on that day
    page.get_by_test_id("cal-month").click()
    expect(page.get_by_test_id(f"cal-item-{first.pk}")).to_be_visible()
    _no_sideways_scroll(page)
    day = timezone.localdate().isoformat()
    cell = page.get_by_test_id(f"day-{day}")
    box = cell.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] - 4, box["y"] + box["height"] - 4)
    expect(page).to_have_url(re.compile(rf"/sales/activities/new/\?date={day}"))
    expect(page.locator("#id_date")).to_have_value(day)
