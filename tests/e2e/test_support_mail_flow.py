"""Issue 5, e-mail channel, end to end: a customer writes to the tenant's inbound address
(real SMTP to our server on loopback); an admin sets the support address at phone width;
the agent replies in the browser; a real Celery worker sends it (real SMTP to the sink);
the customer answers that mail, and the answer shows in the same conversation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from crm.core.context import tenant_context
from support.mail.models import OutboundMail
from support.tickets.models import Ticket
from tests.conftest import wait_until
from tests.e2e.conftest import login
from tests.factories import PASSWORD
from tests.support.mail_helpers import DOMAIN, build_mail, inbound_smtp, smtp_send

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
__all__ = ["inbound_smtp"]  # the fixture, imported for this module


def test_an_emailed_inquiry_is_answered_in_the_browser_and_the_answer_threads_back(
    live_server: Any,
    page: Page,
    phone_page: Page,
    tenant: Any,
    member: Any,
    inbox: Any,
    celery_worker: Any,
    inbound_smtp: Any,  # noqa: F811 - the fixture imported above
) -> None:
    base = live_server.url

    # 1. The admin sets the support address on a phone.
    login(phone_page, base, member.email, PASSWORD)
    expect(phone_page).to_have_url(re.compile(r"/$"))
    phone_page.goto(f"{base}/support/settings/mail/")
    expect(phone_page.get_by_test_id("inbound-address")).to_have_text(f"alpha@{DOMAIN}")
    phone_page.locator("#id_support_address").fill("support@alpha.example.jp")
    phone_page.locator("#id_from_name").fill("Alpha サポート")
    phone_page.locator("#id_signature").fill("Alpha 株式会社 サポート窓口")
    phone_page.get_by_test_id("save-mail-settings").click()
    expect(phone_page.locator("#id_support_address")).to_have_value("support@alpha.example.jp")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

    # 2. The customer writes in.
    smtp_send(
        inbound_smtp,
        build_mail(
            sender="佐藤 花子 <hanako@example.jp>",
            subject="納品書の宛名変更",
            body="納品書の宛名を「株式会社サンプル」に変更してください。",
            message_id="<first-e2e@example.jp>",
        ),
    )
    with tenant_context(tenant):
        ticket = Ticket.objects.get(tenant=tenant)

    # 3. The agent answers in the browser.
    login(page, base, member.email, PASSWORD)
    page.goto(f"{base}/support/tickets/{ticket.pk}/")
    conversation = page.get_by_test_id("conversation")
    expect(conversation).to_contain_text("株式会社サンプル")
    page.locator("#reply-form #reply-body").fill("承知しました。宛名を変更して再発行いたします。")
    page.locator("#reply-form").get_by_test_id("send").click()
    expect(page.locator("[data-testid=message][data-kind=reply]")).to_contain_text(
        "宛名を変更して再発行いたします"
    )

    # 4. The worker sends it with the threading headers.
    sent = inbox.wait_for("hanako@example.jp")
    assert sent["Subject"] == f"Re: [#{ticket.number}] 納品書の宛名変更"
    assert sent["In-Reply-To"] == "<first-e2e@example.jp>"
    assert sent["Reply-To"] == f"alpha+{ticket.mail_key}@{DOMAIN}"
    assert "Alpha 株式会社 サポート窓口" in inbox.body(sent)
    with tenant_context(tenant):
        wait_until(lambda: OutboundMail.objects.filter(tenant=tenant, status="sent").exists())

    # 5. The customer answers the mail; it lands on the same ticket.
    answer = build_mail(
        sender="佐藤 花子 <hanako@example.jp>",
        to=str(sent["Reply-To"]),
        subject=f"Re: {sent['Subject']}",
        body="ありがとうございます。よろしくお願いします。",
        headers={"In-Reply-To": str(sent["Message-ID"]), "References": str(sent["Message-ID"])},
    )
    smtp_send(inbound_smtp, answer)
    page.reload()
    customer_messages = page.locator("[data-testid=message][data-kind=customer]")
    expect(customer_messages).to_have_count(2)
    expect(customer_messages.last).to_contain_text("よろしくお願いします")
    with tenant_context(tenant):
        assert Ticket.objects.filter(tenant=tenant).count() == 1
