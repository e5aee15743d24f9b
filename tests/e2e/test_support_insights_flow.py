"""Issue 5, CSAT and analytics, end to end: an inquiry is resolved; a real Celery worker
mails the rating link (real SMTP to the sink); the customer opens the link from that mail
on a phone, picks a face with the keyboard, comments and sends; a second visit says it is
rated already. The manager opens the analytics, sees the charts drawn and the customer's
comment, and downloads a section's CSV."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from crm.core.context import tenant_context
from support.csat.models import CsatRequest
from support.tickets import services as ticket_services
from support.tickets.models import Status
from tests.conftest import wait_until
from tests.e2e.conftest import login
from tests.factories import PASSWORD
from tests.support.helpers import make_agent, make_category, make_ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"https?://\S+?(/portal/[\w-]+/csat/[\w-]+/)")


def test_a_customer_rates_from_the_mail_and_the_manager_sees_it(
    live_server: Any,
    page: Page,
    phone_page: Page,
    tenant: Any,
    inbox: Any,
    celery_worker: Any,
) -> None:
    base = live_server.url
    agent = make_agent(tenant, "agent@example.jp", display_name="担当 一郎")
    manager = make_agent(tenant, "manager@example.jp", role="manager")
    category = make_category(tenant, "配送")
    ticket = make_ticket(
        tenant,
        subject="注文した商品がまだ届きません",
        requester_email="hanako@example.jp",
        requester_name="佐藤 花子",
        assignee=agent,
        category=category,
    )
    with tenant_context(tenant):
        ticket_services.ticket_message_add(
            tenant=tenant, ticket=ticket, kind="reply", body="本日発送いたしました。", actor=agent
        )
        ticket.refresh_from_db()
        ticket_services.ticket_update(
            tenant=tenant, ticket=ticket, actor=agent, status=Status.RESOLVED
        )

    # 1. The rating link arrives by real mail (sent by the worker after commit).
    def csat_mail() -> Any:
        for mail in inbox.to("hanako@example.jp"):
            if LINK.search(inbox.body(mail)):
                return mail
        return None

    mail = wait_until(csat_mail, timeout=60)
    path = LINK.search(inbox.body(mail)).group(1)  # type: ignore[union-attr]

    # 2. The customer rates on a phone, with the keyboard.
    phone_page.goto(f"{base}{path}")
    expect(phone_page.get_by_test_id("csat-form")).to_be_visible()
    phone_page.get_by_test_id("rating-3").focus()
    phone_page.keyboard.press("ArrowRight")  # radio group: 3 → 4
    expect(phone_page.get_by_test_id("rating-4")).to_be_checked()
    phone_page.get_by_test_id("csat-comment").fill("迅速な対応ありがとうございました")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.get_by_test_id("csat-submit").click()
    expect(phone_page.get_by_test_id("csat-thanks")).to_be_visible()
    with tenant_context(tenant):
        rated = CsatRequest.objects.get(tenant=tenant, ticket=ticket)
    assert (rated.rating, rated.comment, rated.agent_id) == (
        4,
        "迅速な対応ありがとうございました",
        agent.pk,
    )
    phone_page.goto(f"{base}{path}")
    expect(phone_page.get_by_test_id("csat-state-rated")).to_be_visible()

    # 3. The manager opens the analytics: charts are drawn, the comment is there.
    login(page, base, manager.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{base}/support/insights/")
    volume = page.get_by_test_id("section-volume")
    expect(volume).to_have_attribute("data-loaded", "1")
    expect(page.get_by_test_id("chart-volume-day")).to_have_attribute("data-rendered", "1")
    csat = page.get_by_test_id("section-csat")
    expect(csat).to_have_attribute("data-loaded", "1")
    expect(page.get_by_test_id("chart-csat-distribution")).to_have_attribute("data-rendered", "1")
    expect(csat).to_contain_text("迅速な対応ありがとうございました")
    expect(csat).to_contain_text("担当 一郎")
    expect(page.get_by_test_id("section-workload")).to_contain_text("担当 一郎")

    # 4. … and downloads the CSAT section as CSV.
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csat").click()
    download = download_info.value
    assert download.suggested_filename.startswith("support-csat-")
    content = open(download.path(), encoding="utf-8").read()  # noqa: SIM115
    assert content.startswith("\ufeff")
    assert "迅速な対応ありがとうございました" in content

    # 5. At phone width the page stays usable (no sideways scrolling).
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{base}/support/insights/")
    expect(page.get_by_test_id("section-backlog")).to_have_attribute("data-loaded", "1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
