"""Orders by hand: validated lines, per-tenant numbers, tax per rate rounded down per order,
stock with status (idempotent), a won deal's order (once), the customer's timeline."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Interaction
from crm.core.context import tenant_context
from sales.catalog import selectors, services
from sales.models import DealLine, Order, OrderLine, Product, StockMovement
from tests.factories import make_contact
from tests.sales.catalog_helpers import make_product, stock_in

pytestmark = pytest.mark.django_db


def test_totals_round_tax_down_per_rate_per_order(tenant) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        food = make_product(tenant, "FOOD", unit_price=Decimal("333"), tax_rate="8")
        tool = make_product(tenant, "TOOL", unit_price=Decimal("999"), tax_rate="10")
        order = services.order_create(
            tenant=tenant,
            contact=contact,
            lines=[
                {"product": food.pk, "quantity": 1},
                {"product": food.pk, "quantity": 2},
                {"product": tool.pk, "quantity": 1, "discount": "4"},
            ],
        )
    # 8%: (333 + 666) = 999 -> 79.92 -> 79 (per line it would be 26 + 53 = 79.. but per
    # order is the rule); 10%: 995 -> 99.5 -> 99
    assert order.subtotal == Decimal("1994.00")
    assert order.tax_breakdown == {
        "10": {"base": "995.00", "tax": "99"},
        "8": {"base": "999.00", "tax": "79"},
    }
    assert order.tax_total == Decimal("178")
    assert order.total == Decimal("2172.00")
    assert order.order_number == "SO-000001"


def test_order_numbers_count_per_tenant_with_the_tenants_prefix(tenant, other_tenant) -> None:
    numbers = []
    for t, prefix in ((tenant, "A-"), (other_tenant, "B-"), (tenant, "A-")):
        contact = make_contact(t)
        with tenant_context(t):
            services.sales_settings_update(
                tenant=t, allow_negative_stock=False, order_number_prefix=prefix
            )
            product = make_product(t, f"X{len(numbers)}")
            numbers.append(
                services.order_create(
                    tenant=t, contact=contact, lines=[{"product": product.pk, "quantity": 1}]
                ).order_number
            )
    assert numbers == ["A-000001", "B-000001", "A-000002"]


@pytest.mark.parametrize(
    "line",
    [
        {"quantity": "-1"},
        {"quantity": "0"},
        {"quantity": "1", "discount": "1001"},
        {"quantity": "x"},
    ],
)
def test_bad_lines_are_refused_and_nothing_is_stored(tenant, line) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        product = make_product(tenant)
        with pytest.raises(ValidationError) as refusal:
            services.order_create(
                tenant=tenant, contact=contact, lines=[{"product": product.pk, **line}]
            )
        assert "Line 1" in " ".join(refusal.value.messages)
        assert Order.objects.count() == 0 and OrderLine.objects.count() == 0


def test_a_line_for_a_deleted_product_is_refused(tenant) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        product = make_product(tenant)
        services.product_soft_delete(tenant=tenant, product=product)
        with pytest.raises(ValidationError) as refusal:
            services.order_create(
                tenant=tenant, contact=contact, lines=[{"product": product.pk, "quantity": 1}]
            )
        assert "deleted" in " ".join(refusal.value.messages)
        assert Order.objects.count() == 0


def test_an_order_needs_a_customer(tenant) -> None:
    with tenant_context(tenant):
        product = make_product(tenant)
        with pytest.raises(ValidationError):
            services.order_create(tenant=tenant, lines=[{"product": product.pk, "quantity": 1}])


def test_stock_leaves_on_confirm_and_returns_on_cancel_once(tenant) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        product = make_product(tenant)
        stock_in(tenant, product, 10)
        order = services.order_create(
            tenant=tenant, contact=contact, lines=[{"product": product.pk, "quantity": 3}]
        )
        assert Product.objects.get(pk=product.pk).stock_on_hand == 10  # a draft holds none
        services.order_set_status(tenant=tenant, order=order, status="confirmed")
        services.order_set_status(tenant=tenant, order=order, status="confirmed")  # again
        assert Product.objects.get(pk=product.pk).stock_on_hand == 7
        services.order_set_status(tenant=tenant, order=order, status="shipped")
        assert Product.objects.get(pk=product.pk).stock_on_hand == 7
        services.order_set_status(tenant=tenant, order=order, status="cancelled")
        services.order_set_status(tenant=tenant, order=order, status="cancelled")
        assert Product.objects.get(pk=product.pk).stock_on_hand == 10
        kinds = list(StockMovement.objects.filter(order=order).values_list("kind", "quantity"))
    assert kinds == [("out", Decimal("-3.00")), ("in", Decimal("3.00"))]


def test_confirming_without_stock_is_refused_and_the_order_stays_draft(tenant) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        product = make_product(tenant)
        order = services.order_create(
            tenant=tenant, contact=contact, lines=[{"product": product.pk, "quantity": 1}]
        )
        with pytest.raises(ValidationError):
            services.order_set_status(tenant=tenant, order=order, status="confirmed")
        order.refresh_from_db()
        assert (order.status, order.stock_applied) == ("draft", False)
        assert Product.objects.get(pk=product.pk).stock_on_hand == 0


def test_a_delivered_order_cannot_go_back_to_draft(tenant) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        product = make_product(tenant)
        stock_in(tenant, product, 1)
        order = services.order_create(
            tenant=tenant,
            contact=contact,
            status="confirmed",
            lines=[{"product": product.pk, "quantity": 1}],
        )
        with pytest.raises(ValidationError):
            services.order_set_status(tenant=tenant, order=order, status="draft")


def test_an_order_shows_on_the_contacts_timeline_and_purchases(tenant) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        product = make_product(tenant)
        stock_in(tenant, product, 5)
        order = services.order_create(
            tenant=tenant,
            contact=contact,
            status="confirmed",
            lines=[{"product": product.pk, "quantity": 2}],
        )
        entry = Interaction.objects.get(contact=contact, kind="purchase")
        summary = selectors.customer_purchases(tenant=tenant, contact_id=contact.pk)
    assert (entry.ref_type, entry.ref_id) == ("order", str(order.pk))
    assert order.order_number in entry.subject
    assert summary["purchases"]["count"] == 1
    assert summary["purchases"]["total"] == Decimal("2200.00")
    assert summary["latest_orders"] == [order]


def _deal(tenant, contact, product, quantity):
    from sales.models import Deal, DealContact, Pipeline, Stage

    pipeline, _ = Pipeline.objects.get_or_create(tenant=tenant, name="P")
    stage, _ = Stage.objects.get_or_create(
        tenant=tenant, pipeline=pipeline, name="受注", kind="won"
    )
    deal = Deal.objects.create(tenant=tenant, name="案件", pipeline=pipeline, stage=stage)
    DealContact.objects.create(tenant=tenant, deal=deal, contact=contact)
    DealLine.objects.create(
        tenant=tenant,
        deal=deal,
        product=product,
        quantity=Decimal(quantity),
        unit_price=Decimal("500"),
        tax_rate="10",
    )
    return deal


def test_a_won_deal_makes_one_order_from_its_lines(tenant) -> None:
    from sales.deals.hooks import _WON_HOOKS

    contact = make_contact(tenant)
    with tenant_context(tenant):
        product = make_product(tenant, unit_price=Decimal("500"))
        stock_in(tenant, product, 10)
        deal = _deal(tenant, contact, product, "4")
        first = services.order_create_from_deal(tenant=tenant, deal=deal, actor=None)
        again = services.order_create_from_deal(tenant=tenant, deal=deal, actor=None)
        assert first is not None and again == first
        assert Order.objects.filter(deal=deal).count() == 1
        assert (first.status, first.total, first.contact_id) == (
            "confirmed",
            Decimal("2200.00"),
            contact.pk,
        )
        assert Product.objects.get(pk=product.pk).stock_on_hand == 6
    from sales.catalog.wiring import won_deal_order

    assert won_deal_order in _WON_HOOKS


def test_a_won_deal_without_stock_leaves_a_draft_order_with_a_warning(tenant) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        product = make_product(tenant)
        deal = _deal(tenant, contact, product, "2")
        order = services.order_create_from_deal(tenant=tenant, deal=deal, actor=None)
        assert order is not None and order.status == "draft"
        assert "below zero" in " ".join(order.warnings)
        assert Product.objects.get(pk=product.pk).stock_on_hand == 0


def test_moving_a_deal_to_won_makes_its_order_through_the_hook(tenant) -> None:
    from sales.deals import services as deal_services
    from sales.models import Stage
    from tests.sales.helpers import default_pipeline, make_deal

    contact = make_contact(tenant)
    with tenant_context(tenant):
        product = make_product(tenant, unit_price=Decimal("500"))
        stock_in(tenant, product, 5)
        pipeline, _stages = default_pipeline(tenant)
        deal = make_deal(tenant, pipeline=pipeline, contacts=[contact])
        DealLine.objects.create(
            tenant=tenant,
            deal=deal,
            product=product,
            quantity=Decimal("1"),
            unit_price=Decimal("500"),
            tax_rate="10",
        )
        won = Stage.objects.get(tenant=tenant, pipeline=pipeline, kind="won")
        deal_services.deal_move_stage(tenant=tenant, deal=deal, stage=won, actor=None)
        order = Order.objects.get(deal=deal)
        assert (order.status, order.contact_id, order.total) == (
            "confirmed",
            contact.pk,
            Decimal("550.00"),
        )
        assert Product.objects.get(pk=product.pk).stock_on_hand == 4


def test_the_board_move_tells_the_rep_about_the_order_and_a_draft(member_client, tenant) -> None:
    """Drag to won: the JSON answer names the order made; without stock it says the order
    stayed a draft and why, so the rep is not left guessing."""
    from django.urls import reverse

    from sales.models import Stage
    from tests.sales.helpers import default_pipeline, make_deal

    contact = make_contact(tenant)
    with tenant_context(tenant):
        stocked = make_product(tenant, "P-IN", unit_price=Decimal("500"))
        stock_in(tenant, stocked, 5)
        empty = make_product(tenant, "P-OUT", unit_price=Decimal("500"))
        pipeline, _stages = default_pipeline(tenant)
        won = Stage.objects.get(tenant=tenant, pipeline=pipeline, kind="won")
        deals = []
        for product in (stocked, empty):
            deal = make_deal(tenant, pipeline=pipeline, contacts=[contact])
            services.deal_lines_set(
                tenant=tenant, deal=deal, lines=[{"product": product.pk, "quantity": 1}]
            )
            deals.append(deal)
    answers = [
        member_client.post(
            reverse("sales:deal_move", kwargs={"deal_id": deal.pk}),
            {"stage": won.pk},
            HTTP_ACCEPT="application/json",
        ).json()
        for deal in deals
    ]
    with tenant_context(tenant):
        numbers = [Order.objects.get(deal=deal).order_number for deal in deals]
    assert answers[0]["notices"] == [f"Order {numbers[0]} created from the deal's line items."]
    assert numbers[0] in answers[0]["message"]
    assert answers[1]["notices"][0].startswith(f"Order {numbers[1]} was saved as a draft:")
    assert "below zero" in answers[1]["notices"][0]
