"""Stock movements: the product's stock moves in the movement's transaction; below zero is
refused unless the tenant allows it, then kept with a warning."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.core.context import tenant_context
from sales.catalog import selectors, services
from sales.models import Product, StockMovement
from tests.sales.catalog_helpers import make_product, stock_in

pytestmark = pytest.mark.django_db


def test_stock_in_out_and_adjust_keep_stock_on_hand_and_history(tenant) -> None:
    with tenant_context(tenant):
        product = make_product(tenant)
        stock_in(tenant, product, "10")
        services.stock_move(tenant=tenant, product=product, kind="out", quantity="2.5")
        services.stock_move(
            tenant=tenant, product=product, kind="adjust", quantity="-1", reason="棚卸"
        )
        product.refresh_from_db()
        history = list(selectors.stock_movements(tenant=tenant, product=product).order_by("id"))
    assert product.stock_on_hand == Decimal("6.50")
    assert [(m.kind, m.quantity, m.stock_after) for m in history] == [
        ("in", Decimal("10.00"), Decimal("10.00")),
        ("out", Decimal("-2.50"), Decimal("7.50")),
        ("adjust", Decimal("-1.00"), Decimal("6.50")),
    ]


def test_stock_below_zero_is_refused_and_nothing_changes(tenant) -> None:
    with tenant_context(tenant):
        product = make_product(tenant)
        stock_in(tenant, product, 3)
        with pytest.raises(ValidationError) as refusal:
            services.stock_move(tenant=tenant, product=product, kind="out", quantity=5)
        assert "below zero" in " ".join(refusal.value.messages)
        assert Product.objects.get(pk=product.pk).stock_on_hand == 3
        assert StockMovement.objects.filter(product=product).count() == 1


def test_stock_below_zero_is_allowed_with_a_warning_when_the_tenant_says_so(tenant) -> None:
    with tenant_context(tenant):
        services.sales_settings_update(
            tenant=tenant, allow_negative_stock=True, order_number_prefix="SO-"
        )
        product = make_product(tenant)
        result = services.stock_move(tenant=tenant, product=product, kind="out", quantity=2)
        assert Product.objects.get(pk=product.pk).stock_on_hand == -2
    assert result.warnings and "below zero" in result.warnings[0]


@pytest.mark.parametrize(
    ("kind", "quantity", "reason"),
    [
        ("in", "-1", ""),
        ("out", "0", ""),
        ("adjust", "0", "x"),
        ("adjust", "2", ""),
        ("in", "abc", ""),
    ],
)
def test_bad_movements_are_refused(tenant, kind, quantity, reason) -> None:
    with tenant_context(tenant):
        product = make_product(tenant)
        with pytest.raises(ValidationError):
            services.stock_move(
                tenant=tenant, product=product, kind=kind, quantity=quantity, reason=reason
            )
        assert StockMovement.objects.count() == 0
        assert Product.objects.get(pk=product.pk).stock_on_hand == 0


def test_a_deleted_products_stock_cannot_move(tenant) -> None:
    with tenant_context(tenant):
        product = make_product(tenant)
        services.product_soft_delete(tenant=tenant, product=product)
        product.refresh_from_db()
        with pytest.raises(ValidationError):
            stock_in(tenant, product, 1)


def test_low_stock_list_shows_products_at_or_below_their_reorder_level(tenant) -> None:
    with tenant_context(tenant):
        low = make_product(tenant, "LOW", reorder_level=5)
        ok = make_product(tenant, "OK", reorder_level=5)
        make_product(tenant, "NONE")
        stock_in(tenant, low, 5)
        stock_in(tenant, ok, 6)
        codes = [p.code for p in selectors.product_list(tenant=tenant, low_stock=True)]
    assert codes == ["LOW"]


def test_product_list_searches_code_and_name_and_filters_category(tenant) -> None:
    with tenant_context(tenant):
        make_product(tenant, "TEA-1", name="緑茶", category="飲料")
        make_product(tenant, "CUP-1", name="湯呑み", category="食器")
        by_code = [p.code for p in selectors.product_list(tenant=tenant, q="tea")]
        by_name = [p.code for p in selectors.product_list(tenant=tenant, q="湯呑")]
        by_cat = [p.code for p in selectors.product_list(tenant=tenant, category="飲料")]
    assert (by_code, by_name, by_cat) == (["TEA-1"], ["CUP-1"], ["TEA-1"])
