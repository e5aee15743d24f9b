"""The catalogue and order API: CRUD through the services, stock movements with warnings,
order status action, refusals as 400 with what to fix, other tenants' ids 404."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.core.context import tenant_context
from sales.models import Order, Product
from tests.factories import make_contact
from tests.sales.catalog_helpers import make_product

pytestmark = pytest.mark.django_db


def test_products_suppliers_and_stock_through_the_api(api_client, tenant) -> None:
    supplier = api_client.post(
        "/api/v1/suppliers/", {"name": "山田商店", "phone": "03-1234-5678"}, format="json"
    )
    assert supplier.status_code == 201, supplier.content
    product = api_client.post(
        "/api/v1/products/",
        {
            "code": "TEA-1",
            "name": "緑茶",
            "unit_price": "540",
            "tax_rate": "8",
            "supplier": supplier.json()["id"],
            "reorder_level": 5,
        },
        format="json",
    )
    assert product.status_code == 201, product.content
    pid = product.json()["id"]
    moved = api_client.post(
        "/api/v1/stock-movements/", {"product": pid, "kind": "in", "quantity": "3"}, format="json"
    )
    assert moved.status_code == 201 and moved.json()["stock_after"] == "3.00"
    refused = api_client.post(
        "/api/v1/stock-movements/", {"product": pid, "kind": "out", "quantity": "5"}, format="json"
    )
    assert refused.status_code == 400 and "below zero" in refused.content.decode()
    low = api_client.get("/api/v1/products/?low_stock=1").json()["results"]
    assert [p["code"] for p in low] == ["TEA-1"] and low[0]["stock_on_hand"] == "3.00"
    duplicate = api_client.post("/api/v1/products/", {"code": "TEA-1", "name": "x"}, format="json")
    assert duplicate.status_code == 400


def test_orders_through_the_api(api_client, tenant) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        product = make_product(tenant, unit_price=Decimal("1000"))
        from tests.sales.catalog_helpers import stock_in

        stock_in(tenant, product, 2)
    created = api_client.post(
        "/api/v1/orders/",
        {
            "contact": contact.pk,
            "lines": [{"product": product.pk, "quantity": "2", "discount": "100"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["subtotal"], body["tax_total"], body["total"]) == (
        "draft",
        "1900.00",
        "190.00",
        "2090.00",
    )
    assert body["lines"][0]["product"] == product.pk
    confirmed = api_client.post(
        f"/api/v1/orders/{body['id']}/status/", {"status": "confirmed"}, format="json"
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    with tenant_context(tenant):
        assert Product.objects.get(pk=product.pk).stock_on_hand == 0
    bad = api_client.post(
        "/api/v1/orders/",
        {"contact": contact.pk, "lines": [{"product": product.pk, "quantity": "-1"}]},
        format="json",
    )
    assert bad.status_code == 400 and "Line 1" in bad.content.decode()
    listed = api_client.get("/api/v1/orders/?status=confirmed").json()["results"]
    assert [o["id"] for o in listed] == [body["id"]]
    refused_delete = api_client.delete(f"/api/v1/orders/{body['id']}/")
    assert refused_delete.status_code == 400
    with tenant_context(tenant):
        assert Order.objects.count() == 1


def test_another_tenants_order_is_404(api_client, other_tenant) -> None:
    contact = make_contact(other_tenant)
    with tenant_context(other_tenant):
        product = make_product(other_tenant)
        from sales.catalog.services import order_create

        order = order_create(
            tenant=other_tenant, contact=contact, lines=[{"product": product.pk, "quantity": 1}]
        )
    assert api_client.get(f"/api/v1/orders/{order.pk}/").status_code == 404
    assert (
        api_client.post(
            f"/api/v1/orders/{order.pk}/status/", {"status": "confirmed"}, format="json"
        ).status_code
        == 404
    )
    assert api_client.get(f"/api/v1/products/{product.pk}/").status_code == 404
