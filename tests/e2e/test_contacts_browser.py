"""In the browser: a rep adds a contact typing the way people do (the postal code fills the
address as they type, the company is found by its reading), logs a call in two clicks, tags
and deletes from the list, and restores from "Recently deleted"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from contacts.models import Contact
from contacts.services import company_create
from crm.core.context import tenant_context
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_contact

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_contact_from_form_to_timeline_to_bulk_delete_and_restore(
    live_server,
    page: Page,
    tenant,
    member,
) -> None:
    base = live_server.url
    with tenant_context(tenant):
        company_create(tenant=tenant, name="青空商事株式会社", name_kana="アオゾラショウジ")
    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))

    # 1. the form: full-width phone, hiragana reading, postal code filling the address
    page.goto(f"{base}/contacts/new/")
    page.fill("input[name=last_name]", "山田")
    page.fill("input[name=first_name]", "太郎")
    page.fill("input[name=last_name_kana]", "やまだ")
    page.fill("input[name=phone]", "０３（１２３４）５６７８")
    page.locator("input[name=company_search]").press_sequentially("あおぞら", delay=30)
    expect(page.locator("select[name=company] option:checked")).to_have_text("青空商事株式会社")
    page.locator("input[name=postal_code]").press_sequentially("1500002", delay=30)
    expect(page.locator("select[name=prefecture]")).to_have_value("東京都")
    expect(page.locator("input[name=address]")).to_have_value(re.compile("^渋谷区渋谷"))
    page.locator("input[name=address]").press("End")
    page.locator("input[name=address]").type("2-21-1")
    page.click("main form button[type=submit]")

    # 2. the detail page: stored normalized, shown in national format as a tel: link
    expect(page.get_by_test_id("tel-link").first).to_have_text("03-1234-5678")
    expect(page.get_by_test_id("tel-link").first).to_have_attribute("href", "tel:+81312345678")
    expect(page.locator("h1")).to_contain_text("ヤマダ")
    expect(page.get_by_test_id("company-link")).to_have_text("青空商事株式会社")

    # 3. a call in two clicks: minutes, then the outcome
    page.fill("#call-minutes", "4")
    page.get_by_test_id("call-form").locator("button[value=connected]").click()
    entry = page.locator("[data-testid=timeline-entry][data-kind=call]")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("4")

    # 4. the list: tick, add a tag; then delete with confirmation
    page.goto(f"{base}/contacts/")
    row = page.get_by_test_id("contact-row").filter(has_text="山田")
    row.locator("input[name=ids]").check()
    page.select_option("#bulk-action", "add_tag")
    page.fill("#bulk-tag", "展示会")
    page.get_by_test_id("bulk-apply").click()
    expect(page.get_by_test_id("contact-row").filter(has_text="山田")).to_contain_text("展示会")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("contact-row").filter(has_text="山田").locator("input[name=ids]").check()
    page.select_option("#bulk-action", "delete")
    page.get_by_test_id("bulk-apply").click()
    expect(page.get_by_test_id("contact-row")).to_have_count(0)

    # 5. restore from "Recently deleted"
    page.goto(f"{base}/contacts/deleted/")
    page.get_by_test_id("deleted-contacts").locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("山田 太郎")
    with tenant_context(tenant):
        contact = Contact.objects.get()
    assert contact.deleted_at is None
    assert contact.tags == ["展示会"] and contact.postal_code == "150-0002"
    assert contact.address.endswith("2-21-1") and contact.prefecture == "東京都"


def test_the_contact_list_is_usable_at_phone_width(
    live_server,
    phone_page: Page,
    tenant,
    member,
) -> None:
    make_contact(tenant, last_name="佐藤", phone="0312345678")
    login(phone_page, live_server.url, member.email, PASSWORD)
    expect(phone_page).to_have_url(re.compile(r"/$"))
    phone_page.goto(f"{live_server.url}/contacts/")
    expect(phone_page.get_by_test_id("contact-row")).to_have_count(1)
    # the page itself does not scroll sideways; the table scrolls inside its wrapper
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    phone_page.get_by_test_id("contact-row").locator("a").first.click()
    expect(phone_page.get_by_test_id("tel-link").first).to_have_text("03-1234-5678")
