"""Writes for suppliers, products, stock and orders. Every function here is one unit of
business behaviour: validated, in one transaction, audited.

Stock: `stock_on_hand` moves only through `_apply_stock`, one `UPDATE … FROM (VALUES …)
RETURNING` per change in the transaction that writes the movement rows. Below zero is refused
unless the tenant's SalesSettings.allow_negative_stock, then kept with a warning.

Tax (消費税, 適格請求書 rules): prices are tax-exclusive; an order's line amounts are summed per
tax rate and the tax of each rate is computed once on that sum and rounded down to the yen
(one rounding per rate per invoice, never per line).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import Tenant, User
from crm.core.services.audit import audit_record

from .models import (
    DealLine,
    MovementKind,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    SalesSettings,
    StockMovement,
    Supplier,
    TaxRate,
)

CENT = Decimal("0.01")
YEN = Decimal("1")

SUPPLIER_FIELDS = [
    "name",
    "name_kana",
    "contact_person",
    "email",
    "phone",
    "postal_code",
    "prefecture",
    "address",
    "notes",
]
PRODUCT_FIELDS = [
    "code",
    "name",
    "category",
    "unit_price",
    "tax_rate",
    "cost",
    "reorder_level",
    "supplier",
    "active",
]


@dataclass
class StockResult:
    movements: list[StockMovement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- settings --------------------------------------------------------------------------------
def sales_settings_for(*, tenant: Tenant) -> SalesSettings:
    found = SalesSettings.objects.filter(tenant=tenant).first()
    if found is not None:
        return found
    SalesSettings.objects.bulk_create(
        [SalesSettings(tenant=tenant)], ignore_conflicts=True
    )  # two first requests at once: one row
    return SalesSettings.objects.get(tenant=tenant)


def sales_settings_update(
    *, tenant: Tenant, actor: Any = None, allow_negative_stock: bool, order_number_prefix: str
) -> SalesSettings:
    with transaction.atomic():
        current = sales_settings_for(tenant=tenant)
        before = {
            "allow_negative_stock": current.allow_negative_stock,
            "order_number_prefix": current.order_number_prefix,
        }
        current.allow_negative_stock = allow_negative_stock
        current.order_number_prefix = order_number_prefix.strip()
        current.save()
        after = {
            "allow_negative_stock": current.allow_negative_stock,
            "order_number_prefix": current.order_number_prefix,
        }
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if changes:
            audit_record(
                tenant=tenant,
                action="update",
                obj=current,
                changes=changes,
                actor=actor,
                object_repr="sales settings",
            )
    return current


# --- suppliers and products ------------------------------------------------------------------
def _clean(obj: Any, exclude: list[str] | None = None) -> None:
    obj.full_clean(exclude=["tenant", *(exclude or [])])


def supplier_create(*, tenant: Tenant, actor: Any = None, **data: Any) -> Supplier:
    supplier = Supplier(tenant=tenant, **{k: v for k, v in data.items() if k in SUPPLIER_FIELDS})
    with transaction.atomic():
        _clean(supplier)
        _check_unique(tenant, supplier, "name", _("Another supplier already has this name."))
        supplier.save()
        audit_record(tenant=tenant, action="create", obj=supplier, actor=actor)
    return supplier


def supplier_update(
    *, tenant: Tenant, supplier: Supplier, actor: Any = None, **data: Any
) -> Supplier:
    if supplier.tenant_id != tenant.pk:
        raise ValueError("supplier_update across tenants")
    for key, value in data.items():
        if key in SUPPLIER_FIELDS:
            setattr(supplier, key, value)
    with transaction.atomic():
        _clean(supplier)
        _check_unique(tenant, supplier, "name", _("Another supplier already has this name."))
        supplier.save()
        audit_record(tenant=tenant, action="update", obj=supplier, actor=actor)
    return supplier


def supplier_soft_delete(*, tenant: Tenant, supplier: Supplier, actor: Any = None) -> None:
    with transaction.atomic():
        Supplier.objects.filter(tenant=tenant, pk=supplier.pk).update(deleted_at=timezone.now())
        audit_record(tenant=tenant, action="delete", obj=supplier, actor=actor)


def _check_unique(tenant: Tenant, obj: Any, field_name: str, message: str) -> None:
    # full_clean skips constraints on excluded fields (tenant), so (tenant, field) is here.
    taken = (
        type(obj)
        .objects.filter(
            tenant=tenant, deleted_at__isnull=True, **{field_name: getattr(obj, field_name)}
        )
        .exclude(pk=obj.pk)
        .exists()
    )
    if taken:
        raise ValidationError({field_name: [message]})


def _check_supplier(tenant: Tenant, supplier: Any) -> None:
    if supplier is not None and (supplier.tenant_id != tenant.pk or supplier.deleted_at):
        raise ValidationError({"supplier": [_("Choose a supplier from the list.")]})


def product_create(*, tenant: Tenant, actor: Any = None, **data: Any) -> Product:
    product = Product(tenant=tenant, **{k: v for k, v in data.items() if k in PRODUCT_FIELDS})
    product.code = (product.code or "").strip()
    _check_supplier(tenant, product.supplier)
    with transaction.atomic():
        _clean(product)
        _check_unique(tenant, product, "code", _("Another product already has this code."))
        product.save()
        audit_record(tenant=tenant, action="create", obj=product, actor=actor)
    return product


def product_update(*, tenant: Tenant, product: Product, actor: Any = None, **data: Any) -> Product:
    if product.tenant_id != tenant.pk:
        raise ValueError("product_update across tenants")
    for key, value in data.items():
        if key in PRODUCT_FIELDS:
            setattr(product, key, value)
    product.code = (product.code or "").strip()
    _check_supplier(tenant, product.supplier)
    with transaction.atomic():
        _clean(product)
        _check_unique(tenant, product, "code", _("Another product already has this code."))
        # stock_on_hand is not editable here: only movements change it.
        product.save(
            update_fields=[
                *[f for f in PRODUCT_FIELDS if f != "supplier"],
                "supplier",
                "updated_at",
            ]
        )
        audit_record(tenant=tenant, action="update", obj=product, actor=actor)
    return product


def product_soft_delete(*, tenant: Tenant, product: Product, actor: Any = None) -> None:
    """Deleted products stay on past orders and deal lines; they cannot be ordered again."""
    with transaction.atomic():
        Product.objects.filter(tenant=tenant, pk=product.pk).update(deleted_at=timezone.now())
        audit_record(tenant=tenant, action="delete", obj=product, actor=actor)


# --- stock -----------------------------------------------------------------------------------
def _decimal(value: Any, field_name: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: [_("Enter a number.")]}) from None
    if not number.is_finite():
        raise ValidationError({field_name: [_("Enter a number.")]})
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def _apply_stock(
    *,
    tenant: Tenant,
    deltas: Mapping[int, Decimal],
    kind: str,
    reason: str,
    actor: Any,
    order: Order | None = None,
) -> StockResult:
    """Adds each delta to its product's stock in one UPDATE … FROM (VALUES …) RETURNING and
    writes the movement rows. Caller holds a transaction; raising rolls everything back."""
    result = StockResult()
    deltas = {pid: d for pid, d in deltas.items() if d != 0}
    if not deltas:
        return result
    values = ", ".join(["(%s::bigint, %s::numeric)"] * len(deltas))
    params: list[Any] = []
    for pid, delta in deltas.items():
        params += [pid, delta]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE sales_product p SET stock_on_hand = p.stock_on_hand + v.delta,
                   updated_at = now()
            FROM (VALUES {values}) AS v(id, delta)
            WHERE p.id = v.id AND p.tenant_id = %s
            RETURNING p.id, p.code, p.stock_on_hand
            """,
            [*params, tenant.pk],
        )
        after = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    missing = set(deltas) - set(after)
    if missing:
        raise ValidationError(_("A product on this change no longer exists. Reload the page."))
    below = sorted(
        (code, stock) for pid, (code, stock) in after.items() if stock < 0 and deltas[pid] < 0
    )
    if below:
        listed = ", ".join(f"{code} ({stock})" for code, stock in below)
        if not sales_settings_for(tenant=tenant).allow_negative_stock:
            raise ValidationError(
                _(
                    "Not enough stock: this would take %(products)s below zero. Record the "
                    "stock that came in first, or let stock go below zero in the sales settings."
                )
                % {"products": listed}
            )
        result.warnings.append(
            _("Stock is now below zero for %(products)s.") % {"products": listed}
        )
    now = timezone.now()
    result.movements = StockMovement.objects.bulk_create(
        [
            StockMovement(
                tenant=tenant,
                product_id=pid,
                kind=kind,
                quantity=delta,
                stock_after=after[pid][1],
                reason=reason[:200],
                order=order,
                actor=actor if getattr(actor, "pk", None) else None,
                created_at=now,
            )
            for pid, delta in deltas.items()
        ]
    )
    return result


def stock_move(
    *,
    tenant: Tenant,
    product: Product,
    kind: str,
    quantity: Any,
    reason: str = "",
    actor: Any = None,
) -> StockResult:
    """in: +quantity, out: -quantity (quantity > 0 for both); adjust: quantity is the signed
    correction (a stock count that found 3 fewer is -3)."""
    if kind not in MovementKind.values:
        raise ValidationError({"kind": [_("Choose stock in, stock out or adjustment.")]})
    amount = _decimal(quantity, "quantity")
    if kind in (MovementKind.IN, MovementKind.OUT) and amount <= 0:
        raise ValidationError(
            {"quantity": [_("Enter a quantity above zero (use an adjustment to correct).")]}
        )
    if kind == MovementKind.ADJUST and amount == 0:
        raise ValidationError({"quantity": [_("An adjustment needs a quantity other than zero.")]})
    if kind == MovementKind.ADJUST and not reason.strip():
        raise ValidationError({"reason": [_("Say why the stock is adjusted.")]})
    if product.tenant_id != tenant.pk or product.deleted_at is not None:
        raise ValidationError(_("This product was deleted; its stock cannot change."))
    delta = -amount if kind == MovementKind.OUT else amount
    with transaction.atomic():
        result = _apply_stock(
            tenant=tenant,
            deltas={product.pk: delta},
            kind=kind,
            reason=reason.strip(),
            actor=actor,
        )
        audit_record(
            tenant=tenant,
            action="update",
            obj=product,
            actor=actor,
            changes={
                "stock_on_hand": [
                    str(result.movements[0].stock_after - delta),
                    str(result.movements[0].stock_after),
                ]
            },
        )
    product.stock_on_hand = result.movements[0].stock_after
    return result


# --- orders ----------------------------------------------------------------------------------
@dataclass
class LineInput:
    product: Product | None
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_rate: str


def _tax(base: Decimal, rate: str) -> Decimal:
    return (base * Decimal(rate) / Decimal(100)).quantize(YEN, rounding=ROUND_DOWN)


def order_totals(lines: Iterable[tuple[Decimal, str]]) -> dict[str, Any]:
    """(amount, tax rate) per line → subtotal, tax per rate (rounded down per rate), total."""
    bases: dict[str, Decimal] = defaultdict(Decimal)
    for amount, rate in lines:
        bases[rate] += amount
    breakdown = {
        rate: {"base": str(base), "tax": str(_tax(base, rate))}
        for rate, base in sorted(bases.items(), key=lambda kv: -int(kv[0]))
    }
    subtotal = sum(bases.values(), Decimal(0))
    tax = sum((_tax(base, rate) for rate, base in bases.items()), Decimal(0))
    return {
        "subtotal": subtotal,
        "tax_total": tax,
        "total": subtotal + tax,
        "tax_breakdown": breakdown,
    }


def _clean_lines(tenant: Tenant, raw_lines: Iterable[Mapping[str, Any]]) -> list[LineInput]:
    lines: list[LineInput] = []
    errors: list[str] = []
    raw = list(raw_lines)
    product_ids = {
        getattr(r.get("product"), "pk", r.get("product"))
        for r in raw
        if r.get("product") not in (None, "")
    }
    products = Product.objects.filter(
        tenant=tenant, pk__in=[int(p) for p in product_ids if p is not None and str(p).isdigit()]
    ).in_bulk()
    for number, row in enumerate(raw, start=1):
        ref = row.get("product")
        pid = getattr(ref, "pk", ref)
        product = products.get(int(str(pid))) if str(pid).isdigit() else None
        if product is None:
            errors.append(_("Line %(n)s: choose a product.") % {"n": number})
            continue
        if product.deleted_at is not None:
            errors.append(
                _("Line %(n)s: product %(code)s was deleted; choose another product.")
                % {"n": number, "code": product.code}
            )
            continue
        try:
            quantity = _decimal(row.get("quantity", ""), "quantity")
            price_raw = row.get("unit_price")
            unit_price = (
                product.unit_price if price_raw in (None, "") else _decimal(price_raw, "unit_price")
            )
            discount = _decimal(row.get("discount") or 0, "discount")
        except ValidationError:
            errors.append(
                _("Line %(n)s: quantity, unit price and discount must be numbers.") % {"n": number}
            )
            continue
        rate = str(row.get("tax_rate") or product.tax_rate)
        if quantity <= 0:
            errors.append(_("Line %(n)s: the quantity must be above zero.") % {"n": number})
        if unit_price < 0:
            errors.append(_("Line %(n)s: the unit price cannot be negative.") % {"n": number})
        if discount < 0:
            errors.append(_("Line %(n)s: the discount cannot be negative.") % {"n": number})
        elif discount > (quantity * unit_price):
            errors.append(
                _("Line %(n)s: the discount is larger than the line amount.") % {"n": number}
            )
        if rate not in TaxRate.values:
            errors.append(_("Line %(n)s: the tax rate must be 10, 8 or 0.") % {"n": number})
        lines.append(LineInput(product, quantity, unit_price, discount, rate))
    if not raw:
        errors.append(_("Add at least one line."))
    if errors:
        raise ValidationError({"lines": errors})
    return lines


@transaction.atomic
def deal_lines_set(
    *,
    tenant: Tenant,
    deal: Any,
    lines: Iterable[Mapping[str, Any]],
    actor: Any = None,
    update_amount: bool = True,
) -> list[DealLine]:
    """Replaces the deal's line items (an empty list removes them all). Rules as for an
    order's lines (a product that exists and is not deleted, quantity above zero, price and
    discount not negative). With `update_amount`, the deal's amount becomes the lines' total
    before tax, so the board and the forecast count what is being sold. A won deal's lines
    are fixed: its order was made from them. All or nothing."""
    from sales.deals.models import Deal, StageKind

    locked = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("stage")
        .get(tenant=tenant, pk=deal.pk)
    )
    if locked.stage.kind == StageKind.WON:
        raise ValidationError(
            {
                "lines": [
                    _(
                        "This deal is won and its order was made from its lines; "
                        "change the order instead."
                    )
                ]
            }
        )
    raw = list(lines)
    cleaned = _clean_lines(tenant, raw) if raw else []
    before = [
        {
            "product": line.product_id,
            "quantity": str(line.quantity),
            "unit_price": str(line.unit_price),
            "discount": str(line.discount),
        }
        for line in DealLine.objects.filter(tenant=tenant, deal=locked).order_by("position", "id")
    ]
    DealLine.objects.filter(tenant=tenant, deal=locked).delete()
    created = DealLine.objects.bulk_create(
        [
            DealLine(
                tenant=tenant,
                deal=locked,
                product=line.product,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                tax_rate=line.tax_rate,
                position=position,
            )
            for position, line in enumerate(cleaned)
        ]
    )
    changes: dict[str, Any] = {
        "lines": [
            before,
            [
                {
                    "product": line.product.pk if line.product else None,
                    "quantity": str(line.quantity),
                    "unit_price": str(line.unit_price),
                    "discount": str(line.discount),
                }
                for line in cleaned
            ],
        ]
    }
    if update_amount and cleaned:
        amount = sum(
            (line.quantity * line.unit_price - line.discount for line in cleaned), Decimal(0)
        ).quantize(CENT, rounding=ROUND_HALF_UP)
        if amount != locked.amount:
            changes["amount"] = [str(locked.amount), str(amount)]
            Deal.objects.filter(tenant=tenant, pk=locked.pk).update(
                amount=amount, updated_at=timezone.now()
            )
            deal.amount = amount
    audit_record(
        tenant=tenant,
        action="update",
        obj=locked,
        actor=actor if isinstance(actor, User) else None,
        changes=changes,
    )
    return created


def next_order_number(*, tenant: Tenant) -> str:
    """SO-000123: the tenant's counter row bumped in place (INSERT … ON CONFLICT DO UPDATE …
    RETURNING), so concurrent orders wait on one row and never share a number."""
    prefix = sales_settings_for(tenant=tenant).order_number_prefix
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                """
                INSERT INTO sales_ordernumbercounter (tenant_id, last_number) VALUES (%s, 1)
                ON CONFLICT (tenant_id) DO UPDATE
                  SET last_number = sales_ordernumbercounter.last_number + 1
                RETURNING last_number
                """,
                [tenant.pk],
            )
            number = f"{prefix}{cursor.fetchone()[0]:06d}"
            # An imported order may already hold the number: take the next one.
            if not Order.objects.filter(tenant=tenant, order_number=number).exists():
                return number


def _check_customer(tenant: Tenant, contact: Any, company: Any) -> None:
    if contact is None and company is None:
        raise ValidationError({"contact": [_("Choose the customer: a contact or a company.")]})
    for obj, name in ((contact, "contact"), (company, "company")):
        if obj is not None and (obj.tenant_id != tenant.pk or obj.deleted_at is not None):
            raise ValidationError({name: [_("Choose a customer from the list.")]})


def order_timeline_entry(order: Order, actor: Any) -> Any:
    """The purchase entry an order puts on its customer's timeline (contacts' service)."""
    from contacts.services import TimelineEntry

    occurred = timezone.make_aware(
        dt.datetime.combine(order.order_date, dt.time(12)), timezone.get_default_timezone()
    )
    return TimelineEntry(
        kind="purchase",
        occurred_at=occurred,
        subject=_("Order %(number)s: ¥%(total)s")
        % {"number": order.order_number, "total": f"{order.total:,.0f}"},
        contact_id=order.contact_id,
        company_id=order.company_id if order.contact_id is None else None,
        data={"order_id": order.pk, "total": str(order.total), "status": order.status},
        actor_id=actor.pk if isinstance(actor, User) else None,  # an API key is no user
        ref_type="order",
        ref_id=str(order.pk),
    )


def _timeline(tenant: Tenant, order: Order, actor: Any) -> None:
    from contacts.services import timeline_add_many

    timeline_add_many(tenant=tenant, entries=[order_timeline_entry(order, actor)])


def order_create(
    *,
    tenant: Tenant,
    actor: Any = None,
    lines: Iterable[Mapping[str, Any]],
    contact: Any = None,
    company: Any = None,
    order_date: dt.date | None = None,
    status: str = OrderStatus.DRAFT,
    channel: str = "sales",
    notes: str = "",
    order_number: str = "",
    deal: Any = None,
) -> Order:
    """An order entered by hand (or from a deal). Lines: {product, quantity, unit_price?,
    discount?, tax_rate?}; a missing price or rate is the product's. Created as draft, then
    moved to `status` (confirmed takes stock out)."""
    if contact is not None and company is None and contact.company_id:
        company_id = contact.company_id
    else:
        company_id = company.pk if company is not None else None
    _check_customer(tenant, contact, company)
    cleaned = _clean_lines(tenant, lines)
    if status not in OrderStatus.values:
        raise ValidationError({"status": [_("Choose a status from the list.")]})
    amounts = [
        ((ln.quantity * ln.unit_price - ln.discount).quantize(CENT, ROUND_HALF_UP), ln)
        for ln in cleaned
    ]
    totals = order_totals((amount, ln.tax_rate) for amount, ln in amounts)
    with transaction.atomic():
        order = Order(
            tenant=tenant,
            order_number=order_number.strip() or next_order_number(tenant=tenant),
            contact=contact,
            company_id=company_id,
            deal=deal,
            order_date=order_date or timezone.localdate(),
            status=OrderStatus.DRAFT,
            channel=channel,
            notes=notes,
            created_by=actor if getattr(actor, "pk", None) else None,
            **totals,
        )
        _clean(order, exclude=["contact", "company", "deal", "created_by", "tax_breakdown"])
        order.save()
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    tenant=tenant,
                    order=order,
                    product=ln.product,
                    quantity=ln.quantity,
                    unit_price=ln.unit_price,
                    discount=ln.discount,
                    tax_rate=ln.tax_rate,
                    amount=amount,
                    position=i,
                )
                for i, (amount, ln) in enumerate(amounts)
            ]
        )
        audit_record(tenant=tenant, action="create", obj=order, actor=actor)
        order.warnings = []  # type: ignore[attr-defined]
        if status != OrderStatus.DRAFT:
            result = order_set_status(tenant=tenant, order=order, status=status, actor=actor)
            order.warnings = result.warnings  # type: ignore[attr-defined]
        _timeline(tenant, order, actor)
    return order


# Where each status may go next. Stock leaves on confirmed and comes back on cancelled/returned.
TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.DRAFT: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.SHIPPED: {OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.RETURNED},
    OrderStatus.DELIVERED: {OrderStatus.RETURNED},
    OrderStatus.CANCELLED: set(),
    OrderStatus.RETURNED: set(),
}
TAKES_STOCK = {OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED}


def order_set_status(
    *, tenant: Tenant, order: Order, status: str, actor: Any = None
) -> StockResult:
    """Moves the order along; the same status again changes nothing (idempotent). Stock is
    taken once when the order first reaches confirmed (or later) and given back once on
    cancelled/returned, tracked by order.stock_applied under a row lock."""
    if status not in OrderStatus.values:
        raise ValidationError({"status": [_("Choose a status from the list.")]})
    result = StockResult()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(tenant=tenant, pk=order.pk)
        if locked.status == status:
            return result
        if status not in TRANSITIONS[locked.status]:
            raise ValidationError(
                {
                    "status": [
                        _("An order that is %(current)s cannot become %(new)s.")
                        % {
                            "current": OrderStatus(locked.status).label,
                            "new": OrderStatus(status).label,
                        }
                    ]
                }
            )
        deltas: dict[int, Decimal] = defaultdict(Decimal)
        take = status in TAKES_STOCK and not locked.stock_applied
        give_back = status not in TAKES_STOCK and locked.stock_applied
        if take or give_back:
            for pid, qty in OrderLine.objects.filter(tenant=tenant, order=locked).values_list(
                "product_id", "quantity"
            ):
                deltas[pid] += -qty if take else qty
            result = _apply_stock(
                tenant=tenant,
                deltas=deltas,
                kind=MovementKind.OUT if take else MovementKind.IN,
                reason=_("Order %(number)s %(status)s")
                % {"number": locked.order_number, "status": OrderStatus(status).label},
                actor=actor,
                order=locked,
            )
            locked.stock_applied = take
        before = locked.status
        locked.status = status
        locked.save(update_fields=["status", "stock_applied", "updated_at"])
        audit_record(
            tenant=tenant,
            action="update",
            obj=locked,
            actor=actor,
            changes={"status": [before, status]},
        )
    order.status, order.stock_applied = locked.status, locked.stock_applied
    return result


def order_update(*, tenant: Tenant, order: Order, actor: Any = None, **data: Any) -> Order:
    """Header fields (date, channel, notes, customer). Lines are fixed once an order exists
    (cancel and enter a new one), so stock and totals never drift from what was confirmed."""
    allowed = {"order_date", "channel", "notes", "contact", "company"}
    for key, value in data.items():
        if key in allowed:
            setattr(order, key, value)
    _check_customer(tenant, order.contact, order.company)
    with transaction.atomic():
        _clean(order, exclude=["contact", "company", "deal", "created_by", "tax_breakdown"])
        order.save()
        audit_record(tenant=tenant, action="update", obj=order, actor=actor)
    return order


def order_delete(*, tenant: Tenant, order: Order, actor: Any = None) -> None:
    """Only a draft or cancelled order can be deleted (stock is not held by either)."""
    if order.status not in (OrderStatus.DRAFT, OrderStatus.CANCELLED) or order.stock_applied:
        raise ValidationError(_("Only draft or cancelled orders can be deleted. Cancel it first."))
    with transaction.atomic():
        audit_record(tenant=tenant, action="delete", obj=order, actor=actor)
        order.delete()


def order_create_from_deal(*, tenant: Tenant, deal: Any, actor: Any = None) -> Order | None:
    """The won deal's order, from its lines; one per deal (a second call returns the first).
    A deal without lines makes no order. Registered as a won hook in sales/apps.py."""
    existing = Order.objects.filter(tenant=tenant, deal=deal).first()
    if existing is not None:
        return existing
    lines = list(DealLine.objects.filter(tenant=tenant, deal=deal).order_by("position", "id"))
    if not lines:
        return None
    from sales.deals.models import DealContact

    link = (
        DealContact.objects.filter(tenant=tenant, deal=deal)
        .select_related("contact")
        .order_by("id")
        .first()
    )
    contact = link.contact if link is not None and link.contact.deleted_at is None else None
    if contact is None and not deal.company_id:
        return None  # no customer to sell to: nothing to record as a purchase
    with transaction.atomic():
        # Serialize concurrent wins of the same deal on the deal row.
        type(deal).objects.select_for_update().filter(tenant=tenant, pk=deal.pk).first()
        existing = Order.objects.filter(tenant=tenant, deal=deal).first()
        if existing is not None:
            return existing
        order = order_create(
            tenant=tenant,
            actor=actor,
            contact=contact,
            company=deal.company if deal.company_id else None,
            deal=deal,
            channel="sales",
            notes=deal.name,
            lines=[
                {
                    "product": ln.product_id,
                    "quantity": ln.quantity,
                    "unit_price": ln.unit_price,
                    "discount": ln.discount,
                    "tax_rate": ln.tax_rate,
                }
                for ln in lines
            ],
        )
        try:
            # A savepoint: not enough stock leaves the order a draft instead of refusing
            # the win (the rep confirms it once stock is in).
            with transaction.atomic():
                result = order_set_status(
                    tenant=tenant, order=order, status=OrderStatus.CONFIRMED, actor=actor
                )
            order.warnings = result.warnings  # type: ignore[attr-defined]
        except ValidationError as refusal:
            order.warnings = refusal.messages  # type: ignore[attr-defined]
        return order
