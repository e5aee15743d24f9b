"""Issue 4, deals: a rep creates a deal, drags it to the next stage on the board, moves it
again with the keyboard and marks it won from the card's menu; at phone width (375px) the
columns scroll sideways inside the board and a card still moves from its menu."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from crm.core.context import tenant_context
from crm.core.roles import Role
from sales.deals.models import Deal, DealStageChange
from sales.deals.services import pipeline_default
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_member

from ..sales.helpers import default_pipeline, make_deal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _column(page: Page, stage_id: int):
    return page.get_by_test_id(f"column-{stage_id}")


def test_a_rep_creates_a_deal_drags_moves_with_keys_and_wins_it(
    live_server, page: Page, tenant
) -> None:
    base = live_server.url
    rep = make_member(tenant, Role.SALES, email="rep@alpha.example.com")
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)

    login(page, base, rep.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{base}/sales/deals/board/")
    page.get_by_test_id("deal-add").click()
    page.fill("#id_name", "東海精機 生産管理システム")
    page.fill("#id_amount", "2,400,000")
    page.get_by_test_id("deal-save").click()
    expect(page.get_by_test_id("deal-name")).to_have_text("東海精機 生産管理システム")
    with tenant_context(tenant):
        deal = Deal.objects.get(name="東海精機 生産管理システム")
    assert deal.owner_id == rep.pk and deal.stage_id == stages["Lead"].pk

    page.goto(f"{base}/sales/deals/board/")
    card = page.get_by_test_id(f"card-{deal.pk}")
    expect(_column(page, stages["Lead"].pk).get_by_test_id(f"card-{deal.pk}")).to_be_visible()
    card.drag_to(_column(page, stages["Proposal"].pk).locator(".deal-column-cards"))
    expect(_column(page, stages["Proposal"].pk).get_by_test_id(f"card-{deal.pk}")).to_be_visible()
    expect(page.get_by_test_id(f"count-{stages['Proposal'].pk}")).to_have_text("1")
    expect(page.get_by_test_id(f"total-{stages['Proposal'].pk}")).to_have_text("¥2,400,000")
    expect(page.get_by_test_id(f"weighted-{stages['Proposal'].pk}")).to_have_text("¥720,000")
    expect(page.get_by_test_id(f"count-{stages['Lead'].pk}")).to_have_text("0")

    card.focus()
    page.keyboard.press("ArrowRight")
    expect(_column(page, stages["Quote"].pk).get_by_test_id(f"card-{deal.pk}")).to_be_visible()
    expect(page.get_by_test_id(f"count-{stages['Quote'].pk}")).to_have_text("1")
    expect(card).to_be_focused()

    card.get_by_test_id(f"move-{deal.pk}").select_option(str(stages["Won"].pk))
    expect(_column(page, stages["Won"].pk).get_by_test_id(f"card-{deal.pk}")).to_be_visible()
    expect(page.get_by_test_id(f"count-{stages['Won'].pk}")).to_have_text("1")

    with tenant_context(tenant):
        deal.refresh_from_db()
        assert deal.stage_id == stages["Won"].pk and deal.closed_at is not None
        moves = list(
            DealStageChange.objects.filter(deal=deal)
            .order_by("id")
            .values_list("to_stage__name_en", flat=True)
        )
    assert moves == ["Lead", "Proposal", "Quote", "Won"]
    page.goto(f"{base}/sales/deals/{deal.pk}/")
    expect(page.get_by_test_id("stage-history").locator("tbody tr")).to_have_count(4)


def test_at_phone_width_the_board_scrolls_inside_and_a_card_moves_from_its_menu(
    live_server, browser: Browser, tenant
) -> None:
    base = live_server.url
    rep = make_member(tenant, Role.SALES, email="rep2@alpha.example.com")
    with tenant_context(tenant):
        pipeline_default(tenant=tenant)
        _pipeline, stages = default_pipeline(tenant)
        deal = make_deal(tenant, name="スマホで動かす案件", owner=rep.pk)
    ctx = browser.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
    )
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    try:
        login(page, base, rep.email, PASSWORD)
        expect(page).to_have_url(re.compile(r"/$"))
        page.goto(f"{base}/sales/deals/board/")
        board = page.get_by_test_id("deal-board")
        expect(board).to_be_visible()
        assert board.evaluate("el => el.scrollWidth > el.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.get_by_test_id(f"move-{deal.pk}").select_option(str(stages["Lost"].pk))
        dialog = page.get_by_test_id("lost-dialog")
        expect(dialog).to_be_visible()
        page.fill("#lost-reason", "予算凍結")
        page.get_by_test_id("lost-confirm").click()
        expect(_column(page, stages["Lost"].pk).get_by_test_id(f"card-{deal.pk}")).to_be_attached()
        expect(page.get_by_test_id(f"count-{stages['Lost'].pk}")).to_have_text("1")
        with tenant_context(tenant):
            deal.refresh_from_db()
            assert deal.lost_reason == "予算凍結" and deal.closed_at is not None
    finally:
        ctx.close()
