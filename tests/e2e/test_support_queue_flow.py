"""Issue 5, the agent's queue: an agent at a desktop works the queue with the keyboard
(j/k, x, a, Enter), bulk-assigns with a confirmation, opens an inquiry, writes an internal
note with an @mention picked from the autocomplete, replies and sets it pending; a second
agent sees "being answered by" on the ticket and in the queue, at phone width too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from crm.core.context import tenant_context
from crm.core.models import Notification
from support.tickets.models import Status, Ticket, TicketMessage
from tests.e2e.conftest import login
from tests.factories import PASSWORD

from ..support.helpers import make_agent, make_ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_agent_works_the_queue_and_another_sees_the_lock(
    live_server: Any, browser: Browser, page: Page, phone_page: Page, tenant: Any, member: Any
) -> None:
    base = live_server.url
    sato = make_agent(tenant, "sato@alpha.example.com", display_name="佐藤")
    oldest = make_ticket(tenant, subject="配送の遅れについて")
    middle = make_ticket(tenant, subject="返品の方法")
    newest = make_ticket(tenant, subject="請求書の再発行", priority="high")

    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{base}/support/?view=open")
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(3)

    # j moves down, k up; x selects the current row; a assigns it to me
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile("queue-current"))
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("queue-current"))
    page.keyboard.press("x")
    expect(page.get_by_test_id("bulk-count")).to_have_text("1")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("x")
    expect(page.get_by_test_id("bulk-count")).to_have_text("2")
    # bulk: assign the two selected (middle, oldest) to 佐藤, after confirming
    page.locator("#bulk-action").select_option("assign")
    page.locator("#bulk-assignee").select_option(str(sato.pk))
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("bulk-apply").click()
    expect(page.get_by_test_id("queue-row")).to_have_count(3)
    with tenant_context(tenant):
        assigned = dict(Ticket.objects.values_list("pk", "assignee_id"))
    assert assigned == {oldest.pk: sato.pk, middle.pk: sato.pk, newest.pk: None}

    page.keyboard.press("k")  # from nowhere: the first row
    expect(rows.nth(0)).to_have_class(re.compile("queue-current"))
    page.keyboard.press("a")
    expect(rows.nth(0).get_by_test_id("row-assignee")).to_have_text("Alice")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/support/tickets/{newest.pk}/$"))
    with tenant_context(tenant):
        ticket = Ticket.objects.get(pk=newest.pk)
    assert ticket.assignee_id == member.pk and ticket.locked_by_id == member.pk

    # an internal note with an @mention from the autocomplete
    page.get_by_test_id("kind-note").click()
    body = page.locator("#reply-body")
    body.click()
    body.press_sequentially("@佐")
    option = page.get_by_test_id("mention-option").first
    expect(option).to_contain_text("sato@alpha.example.com")
    body.press("Enter")
    expect(body).to_have_value("@佐藤 ")
    body.press_sequentially("宛名の確認をお願いします")
    page.get_by_test_id("send").click()
    expect(page.locator('[data-testid=message][data-kind="note"]')).to_contain_text("宛名の確認")
    with tenant_context(tenant):
        note = TicketMessage.objects.get(ticket=newest, kind="note")
        assert note.mentions == [sato.pk]
        assert Notification.objects.filter(user=sato, kind="mention").count() == 1

    # an empty reply says what to fix and keeps the page
    page.get_by_test_id("kind-reply").click()
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("reply-errors")).not_to_be_empty()
    # the reply, then pending
    page.get_by_test_id("kind-reply").click()
    page.locator("#reply-body").fill("再発行して本日お送りしました。ご確認ください。")
    page.get_by_test_id("send-pending").click()
    expect(page.get_by_test_id("ticket-status")).to_have_attribute("data-status", "pending")
    expect(page.locator('[data-testid=message][data-kind="reply"]')).to_contain_text("再発行")
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=newest.pk).status == Status.PENDING

    # the second agent, on a phone: the queue shows who answers, the ticket warns
    login(phone_page, base, sato.email, PASSWORD)
    expect(phone_page).to_have_url(re.compile(r"/$"))
    phone_page.goto(f"{base}/support/?view=open")
    expect(phone_page.get_by_test_id("queue-row")).to_have_count(3)
    badge = phone_page.locator(f"[data-id='{newest.pk}'] [data-testid=being-answered]")
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("Alice")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.get_by_test_id("tab-mine").click()
    expect(phone_page.get_by_test_id("queue-row")).to_have_count(2)
    phone_page.goto(f"{base}/support/tickets/{newest.pk}/")
    expect(phone_page.get_by_test_id("lock-banner")).to_be_visible()
    expect(phone_page.get_by_test_id("lock-banner")).to_contain_text("Alice")
    expect(phone_page.get_by_test_id("reply-lock-warning")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.once("dialog", lambda dialog: dialog.accept())
    phone_page.get_by_test_id("take-over").click()
    expect(phone_page.get_by_test_id("lock-banner")).to_be_hidden()
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=newest.pk).locked_by_id == sato.pk

    # leaving the page releases the lock (sendBeacon)
    phone_page.goto(f"{base}/support/")
    with tenant_context(tenant):
        from tests.conftest import wait_until

        wait_until(lambda: Ticket.objects.get(pk=newest.pk).locked_by_id is None, timeout=10)
