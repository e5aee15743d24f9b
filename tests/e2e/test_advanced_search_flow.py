"""Issue 3, search: a user opens the advanced search panel (from the keyboard), sets a tag,
two stages and a created range, sees the conditions as chips, saves them as a view, and
later reopens the view from the list. The panel also works at phone width."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from contacts.models import Contact
from crm.core.context import tenant_context
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_contact

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TOKYO = ZoneInfo("Asia/Tokyo")


def _people(tenant) -> None:
    rows = [
        ("春野", ["展示会"], "lead", "2024-04-10"),
        ("夏川", ["展示会"], "prospect", "2024-05-20"),
        ("秋山", ["展示会"], "customer", "2024-05-01"),  # stage not chosen
        ("冬木", ["Web"], "lead", "2024-04-15"),  # tag not chosen
        ("古田", ["展示会"], "lead", "2023-01-05"),  # created before the range
    ]
    for name, tags, stage, created in rows:
        contact = make_contact(tenant, last_name=name, tags=tags, lifecycle_stage=stage)
        with tenant_context(tenant):
            Contact.objects.filter(pk=contact.pk).update(
                created_at=dt.datetime.fromisoformat(created).replace(hour=10, tzinfo=TOKYO)
            )


def _names(page: Page) -> list[str]:
    links = page.get_by_test_id("contact-row").locator("td:nth-child(2) a").all_inner_texts()
    return sorted(text.split()[0] for text in links)  # family names


def test_a_user_searches_saves_a_view_and_reopens_it(live_server, page: Page, tenant, member):
    _people(tenant)
    base = live_server.url
    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{base}/contacts/")
    expect(page.get_by_test_id("contact-row")).to_have_count(5)

    # Open the panel from the keyboard.
    panel = page.get_by_test_id("advanced-search")
    expect(panel).not_to_have_attribute("open", "")
    page.get_by_test_id("advanced-toggle").focus()
    page.keyboard.press("Enter")
    expect(panel).to_have_attribute("open", "")

    page.locator("#f-tag").fill("展示会")
    page.locator("#f-stage-lead").check()
    page.locator("#f-stage-prospect").check()
    page.locator("#f-created_from").fill("令和6年4月1日")
    page.locator("#f-created_to").fill("2024/5/31")
    page.get_by_test_id("advanced-apply").click()

    expect(page.get_by_test_id("contact-row")).to_have_count(2)
    assert _names(page) == ["夏川", "春野"]
    chips = page.get_by_test_id("condition-chip")
    expect(chips).to_have_count(5)  # tag, two stages, from, until
    assert "name=" not in page.url  # empty inputs stay out of the link

    page.locator("#sv-new-name").fill("春の展示会")
    page.get_by_test_id("save-view").click()
    expect(page.get_by_test_id("active-view")).to_contain_text("春の展示会")
    expect(page.get_by_test_id("contact-row")).to_have_count(2)

    # Later: the plain list, then the view from the list's saved views.
    page.goto(f"{base}/contacts/")
    expect(page.get_by_test_id("contact-row")).to_have_count(5)
    page.get_by_test_id("saved-views").get_by_role("link", name="春の展示会").click()
    expect(page.get_by_test_id("active-view")).to_contain_text("春の展示会")
    expect(page.get_by_test_id("contact-row")).to_have_count(2)
    assert _names(page) == ["夏川", "春野"]

    # Removing one chip keeps the other conditions.
    page.get_by_test_id("condition-chip").filter(has_text="Prospect").or_(
        page.get_by_test_id("condition-chip").filter(has_text="見込み客")
    ).first.get_by_test_id("chip-remove").click()
    expect(page.get_by_test_id("contact-row")).to_have_count(1)
    assert _names(page) == ["春野"]
    page.get_by_test_id("clear-all").click()
    expect(page.get_by_test_id("contact-row")).to_have_count(5)


def test_the_panel_works_at_phone_width(live_server, phone_page: Page, tenant, member) -> None:
    _people(tenant)
    page = phone_page
    base = live_server.url
    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{base}/contacts/")
    page.get_by_test_id("advanced-toggle").click()
    created_from = page.locator("#f-created_from")
    expect(created_from).to_be_visible()
    created_from.fill("2024-02-30")  # a date that does not exist
    page.get_by_test_id("advanced-apply").click()
    expect(page.get_by_test_id("filter-errors")).to_be_visible()
    expect(page.locator("#f-created_from")).to_have_value("2024-02-30")
    expect(page.get_by_test_id("contact-row")).to_have_count(5)
    width = page.get_by_test_id("advanced-search").evaluate("el => el.scrollWidth")
    assert width <= 390, f"the panel is wider than the phone ({width}px)"
