"""Issue 5, FAQ: an agent turns a resolved inquiry's answer into a draft, edits it with the
rich editor and publishes it; a visitor on a phone finds it on the tenant's portal with a
two-character Japanese query (suggestions as they type, then the search page) and votes
"helpful" once; a suggestion click is counted as a deflection."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from crm.core.context import tenant_context
from support.kb.models import Article, Deflection
from support.tickets import services as tickets
from support.tickets.models import MessageKind, Status
from tests.e2e.conftest import login
from tests.factories import PASSWORD

from ..support.helpers import make_message, make_ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_answer_becomes_a_published_faq_a_visitor_finds_and_rates(
    live_server, browser: Browser, page: Page, tenant, member
) -> None:
    base = live_server.url
    ticket = make_ticket(
        tenant, subject="返品について教えてください", body="届いた商品を返品したいです。"
    )
    make_message(
        tenant,
        ticket,
        kind=MessageKind.REPLY,
        body="商品到着から30日以内であれば、マイページから返品を申請できます。\n\n送料は当社が負担します。",
    )
    with tenant_context(tenant):
        tickets.ticket_update(tenant=tenant, ticket=ticket, status=Status.RESOLVED)

    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{base}/support/tickets/{ticket.pk}/")
    page.get_by_test_id("kb-to-article").click()
    expect(page).to_have_url(re.compile(r"/support/faq/\d+/edit/$"))
    expect(page.get_by_test_id("title-ja")).to_have_value("返品について教えてください")
    editor = page.get_by_test_id("editor-ja")
    expect(editor).to_contain_text("マイページから返品を申請できます")
    # the rich editor: a bold line at the end, written through the toolbar
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.locator("#pane-ja [data-cmd=bold]").click()
    page.keyboard.type("返品の受付は平日のみです。")
    page.get_by_test_id("title-ja").fill("返品について")
    page.get_by_test_id("article-publish").click()
    expect(page.get_by_test_id("article-status")).to_have_attribute("class", re.compile("success"))
    with tenant_context(tenant):
        article = Article.objects.get()
    assert article.is_published and article.created_from_ticket_id == ticket.pk
    assert re.search(r"<(b|strong)>返品の受付は平日のみです。</(b|strong)>", article.body_ja)

    phone_ctx = browser.new_context(
        locale="ja-JP", viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    phone_ctx.set_default_timeout(15_000)
    phone = phone_ctx.new_page()
    try:
        phone.goto(f"{base}/portal/{tenant.slug}/faq/")
        expect(phone.get_by_test_id("portal-brand")).to_contain_text(tenant.name)
        phone.get_by_test_id("portal-q").fill("返品")
        suggestion = phone.get_by_test_id("portal-suggestion").first
        expect(suggestion).to_have_text("返品について")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        phone.get_by_test_id("portal-q").press("Enter")
        expect(phone).to_have_url(re.compile(r"/faq/search/\?"))
        result = phone.get_by_test_id("portal-results").get_by_test_id("portal-article-link")
        expect(result).to_have_count(1)
        result.click()
        expect(phone.get_by_test_id("portal-body")).to_contain_text("平日のみ")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        phone.get_by_test_id("vote-yes").click()
        expect(phone.get_by_test_id("portal-voted")).to_be_visible()
        phone.reload()
        expect(phone.get_by_test_id("portal-voted")).to_be_visible()
        expect(phone.get_by_test_id("vote-yes")).to_have_count(0)

        # a suggestion chosen from the list (keyboard) is a deflection
        phone.goto(f"{base}/portal/{tenant.slug}/faq/")
        phone.get_by_test_id("portal-q").fill("返品")
        expect(phone.get_by_test_id("portal-suggestion").first).to_be_visible()
        phone.get_by_test_id("portal-q").press("ArrowDown")
        phone.keyboard.press("Enter")
        expect(phone.get_by_test_id("portal-article")).to_be_visible()
    finally:
        phone_ctx.close()
    with tenant_context(tenant):
        article.refresh_from_db()
        assert (article.helpful_yes, article.helpful_no) == (1, 0)
        assert list(Deflection.objects.values_list("article_id", "source")) == [
            (article.pk, "portal")
        ]
