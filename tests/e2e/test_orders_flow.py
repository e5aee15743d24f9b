"""In the browser: create a product, record its stock, enter an order by hand for a contact
(product picked from the list as you type), see it on the contact's purchases panel and
timeline; the contact page and the order list at 375px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from crm.core.context import tenant_context
from sales.models import Order, Product
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_contact

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_user_enters_an_order_and_sees_it_on_the_contact(
    live_server, page: Page, tenant, member
) -> None:
    base = live_server.url
    contact = make_contact(tenant, last_name="佐藤", first_name="花子", customer_code="C001")
    login(page, base, member.email, PASSWORD)

    page.goto(f"{base}/sales/products/new/")
    page.fill("#id_code", "CUP-01")
    page.fill("#id_name", "有田焼 湯呑み")
    page.fill("#id_unit_price", "1200")
    page.select_option("#id_tax_rate", "10")
    page.get_by_test_id("sales-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("stock-on-hand")).to_have_text("0")
    form = page.get_by_test_id("stock-form")
    form.locator("#id_kind").select_option("in")
    form.locator("#id_quantity").fill("10")
    form.locator("#id_reason").fill("初回入荷")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("stock-on-hand")).to_have_text("10")

    page.goto(f"{base}/contacts/{contact.pk}/")
    panel = page.get_by_test_id("purchases-panel")
    expect(panel.get_by_test_id("purchases-count")).to_have_text("0")
    panel.locator("a[href*='/sales/orders/new/']").click()
    expect(page.get_by_test_id("order-customer")).to_contain_text("佐藤")
    line = page.locator("input[name=line_product]").first
    line.press_sequentially("CUP", delay=50)
    # the picker fills the datalist as you type
    expect(page.locator("#product-options option[value='CUP-01']")).to_have_count(1)
    line.fill("CUP-01")
    page.locator("input[name=line_quantity]").first.fill("2")
    page.locator("#add-line").click()
    expect(page.locator("tr.order-line")).to_have_count(2)
    page.locator("tr.order-line").nth(1).locator("[data-remove-line]").click()
    expect(page.locator("tr.order-line")).to_have_count(1)
    page.get_by_test_id("order-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("order-total")).to_have_text("¥2,640")
    expect(page.get_by_test_id("order-status")).to_be_visible()
    with tenant_context(tenant):
        order = Order.objects.get()
        assert Product.objects.get(code="CUP-01").stock_on_hand == 8

    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{base}/contacts/{contact.pk}/")
    panel = page.get_by_test_id("purchases-panel")
    expect(panel.get_by_test_id("purchases-count")).to_have_text("1")
    expect(panel.get_by_test_id("purchases-total")).to_have_text("¥2,640")
    expect(panel.get_by_role("link", name=order.order_number)).to_be_visible()
    expect(page.get_by_text(order.order_number).first).to_be_visible()
    timeline = page.locator("text=" + order.order_number)
    expect(timeline).to_have_count(2)  # the panel's link and the timeline entry
    # the orders list at phone width: filters stack, the table scrolls inside itself
    page.goto(f"{base}/sales/orders/?contact={contact.pk}")
    expect(
        page.get_by_test_id("order-table").get_by_role("link", name=order.order_number)
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
