"""Reads for suppliers, products, stock and orders. Lists are keyset-paginated on id."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.http import Http404

from crm.core.models import Tenant

from .models import Order, OrderStatus, Product, StockMovement, Supplier

PAGE = 50

# What counts as a purchase on the customer's panel: not drafts, not undone orders.
PURCHASED = [OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED]


@dataclass
class Page:
    items: list[Any]
    next_after: int | None


def keyset(qs: QuerySet[Any], *, after: str | int | None, size: int = PAGE) -> Page:
    """Newest first; `after` is the last id of the previous page."""
    try:
        after_id = int(after) if after not in (None, "") else None
    except (TypeError, ValueError):
        after_id = None
    if after_id is not None:
        qs = qs.filter(pk__lt=after_id)
    items = list(qs.order_by("-id")[: size + 1])
    more = len(items) > size
    items = items[:size]
    return Page(items, items[-1].pk if more and items else None)


def supplier_list(*, tenant: Tenant, q: str = "") -> QuerySet[Supplier]:
    qs = Supplier.objects.filter(tenant=tenant, deleted_at__isnull=True)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_kana__icontains=q))
    return qs


def access_supplier(*, tenant: Tenant, supplier_id: int) -> Supplier:
    found = supplier_list(tenant=tenant).filter(pk=supplier_id).first()
    if found is None:
        raise Http404
    return found


def product_list(
    *, tenant: Tenant, q: str = "", category: str = "", low_stock: bool = False
) -> QuerySet[Product]:
    qs = Product.objects.filter(tenant=tenant, deleted_at__isnull=True).select_related("supplier")
    if q:
        qs = qs.filter(Q(code__istartswith=q) | Q(name__icontains=q))
    if category:
        qs = qs.filter(category=category)
    if low_stock:
        # The same condition as the partial index product_low_stock.
        qs = qs.filter(reorder_level__isnull=False, stock_on_hand__lte=F("reorder_level"))
    return qs


def product_categories(*, tenant: Tenant) -> list[str]:
    return list(
        Product.objects.filter(tenant=tenant, deleted_at__isnull=True)
        .exclude(category="")
        .values_list("category", flat=True)
        .distinct()
        .order_by("category")[:200]
    )


def access_product(*, tenant: Tenant, product_id: int) -> Product:
    found = product_list(tenant=tenant).filter(pk=product_id).first()
    if found is None:
        raise Http404
    return found


def stock_movements(*, tenant: Tenant, product: Product | None = None) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.filter(tenant=tenant).select_related("product", "actor", "order")
    if product is not None:
        qs = qs.filter(product=product)
    return qs


@dataclass
class OrderFilters:
    status: str = ""
    channel: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    contact_id: int | None = None
    company_id: int | None = None
    q: str = ""


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def order_filters(params: Any) -> OrderFilters:
    return OrderFilters(
        status=params.get("status", "") or "",
        channel=params.get("channel", "") or "",
        date_from=_date(params.get("date_from", "") or ""),
        date_to=_date(params.get("date_to", "") or ""),
        contact_id=_int(params.get("contact")),
        company_id=_int(params.get("company")),
        q=(params.get("q", "") or "").strip(),
    )


def order_list(*, tenant: Tenant, filters: OrderFilters | None = None) -> QuerySet[Order]:
    qs = Order.objects.filter(tenant=tenant).select_related("contact", "company")
    f = filters or OrderFilters()
    if f.status:
        qs = qs.filter(status=f.status)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.date_from:
        qs = qs.filter(order_date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(order_date__lte=f.date_to)
    if f.contact_id:
        qs = qs.filter(contact_id=f.contact_id)
    if f.company_id:
        qs = qs.filter(company_id=f.company_id)
    if f.q:
        qs = qs.filter(order_number__istartswith=f.q)
    return qs


def access_order(*, tenant: Tenant, order_id: int) -> Order:
    found = order_list(tenant=tenant).filter(pk=order_id).first()
    if found is None:
        raise Http404
    return found


def order_lines(*, tenant: Tenant, order: Order) -> list[Any]:
    return list(order.lines.filter(tenant=tenant).select_related("product"))


def customer_purchases(
    *, tenant: Tenant, contact_id: int | None = None, company_id: int | None = None
) -> dict[str, Any]:
    """Count, total, first and last purchase date and the latest orders (two queries)."""
    qs = Order.objects.filter(tenant=tenant)
    qs = qs.filter(contact_id=contact_id) if contact_id else qs.filter(company_id=company_id or 0)
    summary = qs.filter(status__in=PURCHASED).aggregate(
        count=Count("id"), total=Sum("total"), first=Min("order_date"), last=Max("order_date")
    )
    latest = list(qs.order_by("-order_date", "-id")[:5])
    return {"purchases": summary, "latest_orders": latest}
