"""Issue 5, "done means", tried as a new user would: an admin builds and publishes an inquiry
form in the browser; a customer submits it on a phone; the inquiry is in the agents' queue
with its SLA timer; an agent answers with a reply template picked in the reply tools; the
answer goes out by mail (a real Celery worker, real SMTP to the sink) and the customer's
e-mail reply threads onto the same inquiry through a real SMTP exchange with our inbound
server on loopback; the agent resolves it; the customer rates it from the link in the real
mail; the support analytics show the rating and the agent's work."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from crm.core.context import tenant_context
from support.csat.models import CsatRequest
from support.replies import services as reply_services
from support.tickets.models import MessageKind, Ticket
from support.webforms.models import FormField
from tests.conftest import wait_until
from tests.e2e.conftest import login
from tests.factories import PASSWORD
from tests.support.helpers import make_agent
from tests.support.mail_helpers import build_mail, inbound_smtp, smtp_send
from tests.support.sla_helpers import make_calendar, make_policy

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
__all__ = ["inbound_smtp"]  # the fixture, imported for this module

CSAT_LINK = re.compile(r"https?://\S+?(/portal/[\w-]+/csat/[\w-]+/)")
ALWAYS_OPEN = [(day, dt.time(0, 0), dt.time(23, 59)) for day in range(7)]


def test_a_web_inquiry_is_answered_threaded_by_mail_rated_and_counted(
    live_server: Any,
    browser: Browser,
    page: Page,
    tenant: Any,
    member: Any,
    inbox: Any,
    celery_worker: Any,
    inbound_smtp: Any,  # noqa: F811 - the fixture imported above
    settings: Any,
) -> None:
    settings.SUPPORT_FORM_MIN_SECONDS = 1
    base = live_server.url
    agent = make_agent(tenant, "agent@alpha.example.com", display_name="窓口 次郎")
    # Business hours around the clock, so the SLA clock runs whenever the suite runs.
    calendar = make_calendar(tenant, name="終日", blocks=ALWAYS_OPEN, use_jp_holidays=False)
    make_policy(tenant, calendar, name="標準", first_response_minutes=120)
    with tenant_context(tenant):
        reply_services.template_create(
            tenant=tenant,
            actor=member,
            name="電源のご案内",
            body="{{contact.last_name}} 様\n電源ボタンを10秒長押ししてください。",
        )

    # 1. The admin builds and publishes the form.
    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{base}/support/forms/")
    page.fill("#id_name", "製品サポート")
    page.get_by_test_id("form-create-submit").click()
    expect(page.get_by_test_id("field-item")).to_have_count(4)  # name, e-mail, subject, body
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("form-status")).to_have_attribute("data-status", "published")
    page.get_by_test_id("tab-share").click()
    public_url = page.get_by_test_id("public-url").input_value()
    with tenant_context(tenant):
        key = {f.mapping: f.key for f in FormField.objects.filter(tenant=tenant)}

    # 2. The customer submits it on a phone.
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
        phone.goto(public_url)
        phone.locator(f"#id_{key['contact.full_name']}").fill("佐藤 花子")
        phone.locator(f"#id_{key['contact.email']}").fill("hanako@example.jp")
        phone.locator(f"#id_{key['ticket.subject']}").fill("電源が入りません")
        phone.locator(f"#id_{key['ticket.body']}").fill("昨日届いた製品の電源が入りません。")
        phone.locator("#id_consent").check()
        phone.wait_for_timeout(1200)  # a person takes longer than the robot check's 1 s here
        phone.get_by_test_id("public-submit").tap()
        expect(phone.get_by_test_id("thanks")).to_be_visible()
        receipt = phone.get_by_test_id("receipt").inner_text()
    finally:
        phone_ctx.close()
    with tenant_context(tenant):
        ticket = Ticket.objects.get(tenant=tenant)
    assert receipt == f"#{ticket.number}" and ticket.channel == "web"

    # 3. The agent finds it in the queue with its SLA timer running.
    page.context.clear_cookies()  # the admin signs out; the agent signs in
    login(page, base, agent.email, PASSWORD)
    page.goto(f"{base}/support/")
    row = page.get_by_test_id("queue-row").filter(has_text="電源が入りません")
    expect(row).to_have_count(1)
    timer = row.get_by_test_id("sla-timer")
    expect(timer).to_be_visible()
    assert timer.get_attribute("data-state") in {"ok", "warn"}

    # 4. … opens it and answers with the template, picked with the keyboard.
    row.get_by_test_id("row-link").click()
    expect(page.get_by_test_id("conversation")).to_contain_text("電源が入りません")
    editor = page.locator("#reply-body")
    picker = page.get_by_test_id("template-picker-input")
    picker.click()
    picker.press_sequentially("電源")
    expect(page.get_by_test_id("template-option")).to_have_count(1)
    picker.press("Enter")
    expect(editor).to_have_value("佐藤 様\n電源ボタンを10秒長押ししてください。")
    page.locator("#reply-form").get_by_test_id("send").click()
    expect(page.locator("[data-testid=message][data-kind=reply]")).to_contain_text("10秒長押し")

    # 5. The answer goes out by mail; the customer's reply threads onto the same inquiry.
    sent = inbox.wait_for("hanako@example.jp")
    assert f"[#{ticket.number}]" in str(sent["Subject"])
    assert "佐藤 様" in inbox.body(sent)
    smtp_send(
        inbound_smtp,
        build_mail(
            sender="佐藤 花子 <hanako@example.jp>",
            to=str(sent["Reply-To"]),
            subject=f"Re: {sent['Subject']}",
            body="長押しで電源が入りました。ありがとうございました。",
            headers={
                "In-Reply-To": str(sent["Message-ID"]),
                "References": str(sent["Message-ID"]),
            },
        ),
    )
    page.reload()
    customer = page.locator("[data-testid=message][data-kind=customer]")
    expect(customer).to_have_count(2)
    expect(customer.last).to_contain_text("電源が入りました")
    with tenant_context(tenant):
        assert Ticket.objects.filter(tenant=tenant).count() == 1
        assert ticket.messages.filter(kind=MessageKind.CUSTOMER).count() == 2

    # 6. The agent resolves it.
    page.get_by_test_id("ticket-edit").locator("summary").click()
    page.locator("#ticket-edit-form select[name=status]").select_option("resolved")
    page.get_by_test_id("ticket-save").click()
    expect(page.get_by_test_id("ticket-status")).to_have_attribute("data-status", "resolved")

    # 7. The customer rates it from the link in the real mail.
    def csat_mail() -> Any:
        for mail in inbox.to("hanako@example.jp"):
            if CSAT_LINK.search(inbox.body(mail)):
                return mail
        return None

    mail = wait_until(csat_mail, timeout=60)
    path = CSAT_LINK.search(inbox.body(mail)).group(1)  # type: ignore[union-attr]
    rate_ctx = browser.new_context(locale="ja-JP", viewport={"width": 375, "height": 812})
    rate_ctx.set_default_timeout(15_000)
    rate = rate_ctx.new_page()
    try:
        rate.goto(f"{base}{path}")
        rate.locator("label[for=rating-5]").click()  # the face the customer taps
        expect(rate.get_by_test_id("rating-5")).to_be_checked()
        rate.get_by_test_id("csat-comment").fill("すぐに解決しました")
        rate.get_by_test_id("csat-submit").click()
        expect(rate.get_by_test_id("csat-thanks")).to_be_visible()
    finally:
        rate_ctx.close()
    with tenant_context(tenant):
        rated = CsatRequest.objects.get(tenant=tenant, ticket=ticket)
    assert (rated.rating, rated.agent_id) == (5, agent.pk)

    # 8. The analytics show it: the rating, its comment and the agent's work.
    page.context.clear_cookies()
    login(page, base, member.email, PASSWORD)
    page.goto(f"{base}/support/insights/")
    expect(page.get_by_test_id("section-volume")).to_have_attribute("data-loaded", "1")
    expect(page.get_by_test_id("chart-volume-day")).to_have_attribute("data-rendered", "1")
    csat = page.get_by_test_id("section-csat")
    expect(csat).to_have_attribute("data-loaded", "1")
    expect(csat).to_contain_text("すぐに解決しました")
    expect(page.get_by_test_id("section-workload")).to_contain_text("窓口 次郎")
