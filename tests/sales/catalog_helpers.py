"""Builders for the catalog and order tests, over the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sales.catalog import services


def make_product(tenant: Any, code: str = "P-001", **data: Any) -> Any:
    data.setdefault("name", f"商品 {code}")
    data.setdefault("unit_price", Decimal("1000"))
    return services.product_create(tenant=tenant, code=code, **data)


def stock_in(tenant: Any, product: Any, quantity: Any) -> None:
    services.stock_move(tenant=tenant, product=product, kind="in", quantity=quantity, reason="入荷")
