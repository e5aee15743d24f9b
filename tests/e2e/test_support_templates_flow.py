"""Issue 5, reply templates: an agent makes a template in the browser (a wrong merge field
is named and nothing is lost), opens an inquiry, picks the template with the keyboard in
the reply tools and the reply contains the customer's 姓 様; a shortcut expands; a similar
past inquiry's answer goes in with one click; the list works at phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from crm.core.context import tenant_context
from support.replies import services
from support.replies.models import ReplyTemplate
from support.tickets import services as ticket_services
from support.tickets.models import MessageKind, Status
from tests.e2e.conftest import login
from tests.factories import PASSWORD

from ..support.helpers import make_agent, make_message, make_ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_agent_answers_with_a_template_picked_by_keyboard(
    live_server, page: Page, phone_page: Page, tenant, member
) -> None:
    base = live_server.url
    agent = make_agent(tenant, "agent@alpha.example.com", display_name="佐藤")
    with tenant_context(tenant):
        services.template_create(
            tenant=tenant, actor=member, name="請求書の再発行", body="請求書を再発行します。"
        )
        services.template_create(
            tenant=tenant,
            actor=member,
            name="お礼",
            body="{{contact.last_name}} 様\nお問い合わせありがとうございます。",
            shortcut="/orei",
        )
    past = make_ticket(
        tenant,
        subject="商品の返品について",
        body="購入した商品を返品したいです",
        requester_email="suzuki@example.jp",
        requester_name="鈴木 一郎",
    )
    make_message(tenant, past, kind=MessageKind.REPLY, body="返品フォームからお申し込みください。")
    with tenant_context(tenant):
        ticket_services.ticket_update(tenant=tenant, ticket=past, status=Status.RESOLVED)
    ticket = make_ticket(
        tenant,
        subject="返品したい",
        body="届いた商品を返品できますか",
        requester_email="yamada@example.jp",
        requester_name="山田 太郎",
    )

    login(page, base, agent.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))

    # a template with a field that does not exist: named, the text kept
    page.goto(f"{base}/support/templates/new/")
    page.get_by_test_id("template-name").fill("返品のご案内")
    page.get_by_test_id("template-body").fill("{{contact.nickname}} 様\n返品を承りました。")
    page.get_by_test_id("template-save").click()
    expect(page.get_by_test_id("error-body")).to_contain_text("contact.nickname")
    expect(page.get_by_test_id("error-body")).to_contain_text("contact.last_name")
    expect(page.get_by_test_id("template-body")).to_have_value(re.compile("返品を承りました"))
    page.get_by_test_id("template-body").fill("{{contact.last_name}} 様\n返品を承りました。")
    page.get_by_test_id("template-preview").click()
    expect(page.get_by_test_id("preview-text")).to_contain_text("山田 様")
    page.get_by_test_id("template-save").click()
    expect(page.get_by_test_id("template-row").filter(has_text="返品のご案内")).to_be_visible()

    # the inquiry: pick it with the keyboard
    page.goto(f"{base}/support/tickets/{ticket.pk}/")
    editor = page.locator("#reply-body")
    editor.fill("")
    picker = page.get_by_test_id("template-picker-input")
    picker.click()
    picker.press_sequentially("返品")
    options = page.get_by_test_id("template-option")
    expect(options).to_have_count(1)
    picker.press("ArrowDown")  # wraps around the one option
    picker.press("Enter")
    expect(editor).to_have_value("山田 様\n返品を承りました。")
    expect(editor).to_be_focused()
    with tenant_context(tenant):
        assert ReplyTemplate.objects.get(name="返品のご案内").usage_count == 1

    # a shortcut typed in the reply expands
    editor.press("End")
    editor.press("Enter")
    editor.press_sequentially("/orei")
    editor.press("Tab")
    expanded = r"返品を承りました。\n山田 様\nお問い合わせありがとうございます。$"
    expect(editor).to_have_value(re.compile(expanded))

    # similar past inquiry: its answer goes in with one click
    similar = page.get_by_test_id("similar-item")
    expect(similar).to_have_count(1)
    expect(similar).to_contain_text(f"#{past.number}")
    similar.get_by_test_id("insert-answer").click()
    expect(editor).to_have_value(re.compile("返品フォームからお申し込みください。"))

    # the template list at phone width
    login(phone_page, base, agent.email, PASSWORD)
    phone_page.goto(f"{base}/support/templates/?q=返品")
    expect(phone_page.get_by_test_id("template-row")).to_have_count(1)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
