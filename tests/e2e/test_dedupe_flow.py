"""Issue 3, "done means": merge two duplicates. Two contacts with the same e-mail written
differently show up as a pair; the user picks values, merges after confirming; the
survivor shows both timelines and the other is gone from the list."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from contacts.services import timeline_add
from crm.core.context import tenant_context
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_contact

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_user_merges_two_duplicates(live_server, page: Page, tenant, member) -> None:
    base = live_server.url
    older = make_contact(
        tenant, last_name="高橋", first_name="健", email="Ken.Takahashi@Example.co.jp", title="課長"
    )
    newer = make_contact(
        tenant,
        last_name="高橋",
        first_name="健一",
        email="ken.takahashi@example.co.jp",
        title="部長",
    )
    with tenant_context(tenant):
        for contact, text in ((older, "初回訪問メモ"), (newer, "見積の電話")):
            timeline_add(
                tenant=tenant,
                contact=contact,
                kind="note",
                occurred_at=timezone.now(),
                subject=text,
            )

    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{base}/contacts/")
    page.get_by_test_id("duplicates-link").click()
    pair = page.get_by_test_id("duplicate-pair")
    expect(pair).to_have_count(1)
    expect(pair).to_contain_text("ken.takahashi@example.co.jp")
    expect(pair).to_contain_text("Ken.Takahashi@example.co.jp")  # domain lower-cased on entry
    pair.get_by_test_id("compare").click()

    # Keep the older record; take the newer first name but keep the older title.
    expect(page.locator("#keep-a")).to_be_checked()
    page.locator("label[for=f-first_name-b]").click()
    page.locator("label[for=f-title-a]").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("merge-submit").click()

    expect(page).to_have_url(re.compile(rf"/contacts/{older.pk}/$"))
    expect(page.locator("h1")).to_contain_text("高橋 健一")
    expect(page.locator("main")).to_contain_text("課長")
    body = page.locator("main")
    expect(body).to_contain_text("初回訪問メモ")
    expect(body).to_contain_text("見積の電話")

    page.goto(f"{base}/contacts/")
    rows = page.get_by_test_id("contact-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("高橋 健一")
    response = page.goto(f"{base}/contacts/{newer.pk}/")
    assert response is not None and response.status == 404


def test_the_merge_page_stacks_at_phone_width(
    live_server, phone_page: Page, tenant, member
) -> None:
    base = live_server.url
    a = make_contact(tenant, email="same@example.com", title="課長")
    b = make_contact(tenant, email="SAME@example.com", title="部長", first_name="次郎")
    login(phone_page, base, member.email, PASSWORD)
    expect(phone_page).to_have_url(re.compile(r"/$"))
    phone_page.goto(f"{base}/contacts/duplicates/{a.pk}/{b.pk}/")
    left = phone_page.locator("label[for=f-title-a]").bounding_box()
    right = phone_page.locator("label[for=f-title-b]").bounding_box()
    assert left and right and right["y"] > left["y"]  # stacked, not side by side
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
