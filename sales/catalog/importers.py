"""Order import (purchase history) from CSV/TSV/Excel, set-based.

The file is read with contacts' readers (encoding detection UTF-8/CP932, xlsx zip-bomb checks,
size limit) and headers are matched with contacts' header normalization. Each row is parsed
once in Python (numbers, 和暦 dates, e-mail keys) and COPYed into a temporary staging table;
everything after that is SQL in one transaction:

1. products by code (a deleted or unknown code rejects the row),
2. customers by customer code, then by normalized e-mail (contacts' email_key), read through
   contacts.selectors.contact_list's query,
3. an order with any rejected row is rejected whole (no half orders),
4. one INSERT … ON CONFLICT (tenant_id, order_number) DO NOTHING RETURNING for the orders with
   their totals (tax per rate per order, rounded down to the yen), one INSERT … SELECT for
   the lines of the orders that were new. Importing the same file twice adds nothing.

Imported orders are history: they do not move stock (stock_applied stays false).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.importers.mapping import header_key
from contacts.importers.readers import ImportFileError, inspect, iter_rows
from crm.core.models import Tenant
from crm.core.normalize import (
    NormalizationError,
    email_match_key,
    normalize_number_text,
    parse_date,
)

from .models import Order, OrderChannel, OrderStatus

TARGETS: dict[str, list[str]] = {
    "order_number": [
        "受注番号",
        "注文番号",
        "伝票番号",
        "order number",
        "order no",
        "order_number",
    ],
    "order_date": ["受注日", "注文日", "購入日", "order date", "date", "order_date"],
    "customer_code": ["顧客コード", "得意先コード", "会員番号", "customer code", "customer_code"],
    "email": ["メールアドレス", "メール", "e-mail", "email", "mail"],
    "customer_name": ["顧客名", "氏名", "お名前", "名前", "customer name", "name"],
    "product_code": ["商品コード", "品番", "product code", "sku", "product_code"],
    "quantity": ["数量", "個数", "quantity", "qty"],
    "unit_price": ["単価", "unit price", "price", "unit_price"],
    "discount": ["値引", "値引き", "値引額", "割引", "discount"],
    "tax_rate": ["税率", "消費税率", "tax rate", "tax", "tax_rate"],
    "channel": ["チャネル", "販売チャネル", "チャンネル", "channel"],
    "status": ["ステータス", "状態", "status"],
}
REQUIRED = ["order_number", "product_code", "quantity"]

CHANNEL_WORDS = {
    "営業": OrderChannel.SALES,
    "sales": OrderChannel.SALES,
    "オンライン": OrderChannel.ONLINE,
    "ec": OrderChannel.ONLINE,
    "ネット": OrderChannel.ONLINE,
    "web": OrderChannel.ONLINE,
    "online": OrderChannel.ONLINE,
    "店舗": OrderChannel.STORE,
    "store": OrderChannel.STORE,
    "店頭": OrderChannel.STORE,
    "電話": OrderChannel.PHONE,
    "phone": OrderChannel.PHONE,
    "その他": OrderChannel.OTHER,
    "other": OrderChannel.OTHER,
}
STATUS_WORDS = {
    "下書き": OrderStatus.DRAFT,
    "draft": OrderStatus.DRAFT,
    "確定": OrderStatus.CONFIRMED,
    "受注": OrderStatus.CONFIRMED,
    "confirmed": OrderStatus.CONFIRMED,
    "出荷済": OrderStatus.SHIPPED,
    "出荷済み": OrderStatus.SHIPPED,
    "shipped": OrderStatus.SHIPPED,
    "納品済": OrderStatus.DELIVERED,
    "納品済み": OrderStatus.DELIVERED,
    "完了": OrderStatus.DELIVERED,
    "delivered": OrderStatus.DELIVERED,
    "キャンセル": OrderStatus.CANCELLED,
    "cancelled": OrderStatus.CANCELLED,
    "canceled": OrderStatus.CANCELLED,
    "返品": OrderStatus.RETURNED,
    "returned": OrderStatus.RETURNED,
}


def auto_mapping(header: list[str]) -> list[str]:
    index = {header_key(a): name for name, aliases in TARGETS.items() for a in aliases}
    index.update({header_key(name): name for name in TARGETS})
    mapping: list[str] = []
    for cell in header:
        target = index.get(header_key(cell), "")
        mapping.append(target if target not in mapping else "")
    return mapping


def validate_mapping(mapping: list[str]) -> list[str]:
    missing = [name for name in REQUIRED if name not in mapping]
    errors = []
    if missing:
        errors.append(
            _("Choose a column for: %(fields)s.")
            % {"fields": ", ".join(target_label(m) for m in missing)}
        )
    if "customer_code" not in mapping and "email" not in mapping:
        errors.append(_("Choose a column for the customer code or the e-mail address."))
    return errors


def target_label(name: str) -> str:
    labels = {
        "order_number": _("order number"),
        "order_date": _("order date"),
        "customer_code": _("customer code"),
        "email": _("e-mail"),
        "customer_name": _("customer name"),
        "product_code": _("product code"),
        "quantity": _("quantity"),
        "unit_price": _("unit price"),
        "discount": _("discount"),
        "tax_rate": _("tax rate"),
        "channel": _("channel"),
        "status": _("status"),
    }
    return str(labels.get(name, name))


@dataclass
class ImportResult:
    rows: int = 0
    orders: int = 0
    lines: int = 0
    created_customers: int = 0
    rejected: int = 0
    warnings: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "orders": self.orders,
            "lines": self.lines,
            "created_customers": self.created_customers,
            "rejected": self.rejected,
            "warnings": self.warnings,
        }


STAGE_COLUMNS = [
    "rowno",
    "order_number",
    "order_date",
    "customer_code",
    "email",
    "email_key",
    "customer_name",
    "product_code",
    "quantity",
    "unit_price",
    "discount",
    "tax_rate",
    "channel",
    "status",
    "error",
]
STAGE_SQL = """
CREATE TEMP TABLE sales_order_stage (
  rowno int, order_number text, order_date date, customer_code text, email text,
  email_key text, customer_name text, product_code text, quantity numeric(12,2),
  unit_price numeric(14,2), discount numeric(14,2), tax_rate text, channel text, status text,
  error text, product_id bigint, contact_id bigint, company_id bigint, amount numeric(16,2)
) ON COMMIT DROP
"""


def _number(text: str) -> Decimal | None:
    text = normalize_number_text(text).replace(",", "").replace("¥", "").replace("円", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def _parse_row(rowno: int, cells: dict[str, str], today: dt.date) -> list[Any]:
    """One staging row; `error` says what to fix when the row cannot be used."""
    problems: list[str] = []
    get = lambda k: (cells.get(k) or "").strip()  # noqa: E731
    order_number = normalize_number_text(get("order_number"))
    if not order_number:
        problems.append(_("the order number is empty"))
    try:
        order_date = parse_date(get("order_date")) or today
    except NormalizationError as exc:
        problems.append(str(exc))
        order_date = None
    email = get("email")
    key = email_match_key(email) if email else ""
    if email and not key:
        problems.append(_("“%(value)s” is not an e-mail address") % {"value": email})
    values: dict[str, Decimal | None] = {}
    for name in ("quantity", "unit_price", "discount"):
        try:
            values[name] = _number(get(name))
        except ValueError:
            problems.append(
                _("%(field)s “%(value)s” is not a number")
                % {"field": target_label(name), "value": get(name)}
            )
            values[name] = None
    quantity = values["quantity"]
    if quantity is not None and quantity <= 0:
        problems.append(_("the quantity must be above zero"))
    elif quantity is None and not get("quantity"):
        problems.append(_("the quantity is empty"))
    if (values["discount"] or 0) < 0 or (values["unit_price"] or 0) < 0:
        problems.append(_("prices and discounts cannot be negative"))
    rate = normalize_number_text(get("tax_rate")).rstrip("%％").strip()
    if rate.startswith("0.") and rate not in ("0.0", "0"):  # 0.1 / 0.08
        with contextlib.suppress(InvalidOperation):
            rate = str(int(Decimal(rate) * 100))
    if rate and rate not in ("10", "8", "0"):
        problems.append(_("the tax rate must be 10, 8 or 0"))
    channel = get("channel")
    channel_value = CHANNEL_WORDS.get(channel.lower(), "") if channel else OrderChannel.OTHER
    if channel and not channel_value:
        problems.append(_("unknown channel “%(value)s”") % {"value": channel})
    status = get("status")
    status_value = STATUS_WORDS.get(status.lower(), "") if status else OrderStatus.DELIVERED
    if status and not status_value:
        problems.append(_("unknown status “%(value)s”") % {"value": status})
    if not get("product_code"):
        problems.append(_("the product code is empty"))
    return [
        rowno,
        order_number,
        order_date,
        get("customer_code"),
        email,
        key,
        get("customer_name"),
        normalize_number_text(get("product_code")),
        quantity,
        values["unit_price"],
        values["discount"] or Decimal(0),
        rate,
        channel_value,
        status_value,
        "; ".join(problems) or None,
    ]


def import_orders(
    *,
    tenant: Tenant,
    fh: IO[bytes],
    file_name: str,
    mapping: list[str] | None = None,
    create_customers: bool = False,
    actor: Any = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Imports the file's orders. Raises ImportFileError for a file or mapping that cannot be
    used (nothing changed)."""
    info = inspect(fh, file_name)
    rows = iter_rows(fh, info)
    header: list[str] | None = None
    result = ImportResult()
    today = timezone.localdate()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # ON COMMIT DROP removes it; a caller's outer transaction may still hold one.
            cursor.execute("DROP TABLE IF EXISTS sales_order_stage")
            cursor.execute(STAGE_SQL)
            with cursor.copy(
                f"COPY sales_order_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN"
            ) as copy:
                for rowno, row in enumerate(rows, start=1):
                    if header is None:
                        if not any(c.strip() for c in row):
                            continue
                        header = [c.strip() for c in row]
                        mapping = mapping or auto_mapping(header)
                        errors = validate_mapping(mapping)
                        if errors:
                            raise ImportFileError(" ".join(errors))
                        continue
                    if not any(c.strip() for c in row):
                        continue
                    assert mapping is not None
                    cells = {t: row[i] for i, t in enumerate(mapping) if t and i < len(row)}
                    copy.write_row(_parse_row(rowno, cells, today))
                    result.rows += 1
            if header is None:
                raise ImportFileError(
                    _("The file has no rows. The first row must name the columns.")
                )
            if progress:
                progress(40)
            _resolve(cursor, tenant)
            if create_customers:
                result.created_customers = _create_customers(cursor, tenant, actor)
                _resolve(cursor, tenant)
            cursor.execute(
                """
                UPDATE sales_order_stage SET error = %s
                WHERE error IS NULL AND contact_id IS NULL
                """,
                [
                    _(
                        "unknown customer (no contact has this customer code or e-mail); add the "
                        "contact first or import with “create unknown customers”"
                    )
                ],
            )
            # An order is imported whole or not at all.
            cursor.execute(
                """
                UPDATE sales_order_stage s SET error = %s
                WHERE s.error IS NULL AND EXISTS (
                  SELECT 1 FROM sales_order_stage b
                  WHERE b.order_number = s.order_number AND b.error IS NOT NULL)
                """,
                [_("another row of the same order has a problem")],
            )
            if progress:
                progress(60)
            new_orders = _insert(cursor, tenant, actor)
            result.orders = len(new_orders)
            cursor.execute(
                """
                SELECT count(*) FROM sales_orderline l JOIN sales_order o ON o.id = l.order_id
                WHERE o.tenant_id = %s AND o.id = ANY(%s)
                """,
                [tenant.pk, [oid for oid, _n in new_orders]],
            )
            result.lines = cursor.fetchone()[0]
            cursor.execute(
                """
                SELECT count(DISTINCT s.order_number) FROM sales_order_stage s
                WHERE s.error IS NULL AND NOT (s.order_number = ANY(%s))
                """,
                [[n for _oid, n in new_orders]],
            )
            existing = cursor.fetchone()[0]
            cursor.execute(
                "SELECT rowno, order_number, error FROM sales_order_stage WHERE error IS NOT NULL"
                " ORDER BY rowno"
            )
            bad = cursor.fetchall()
            result.rejected = len(bad)
            result.problems = [
                {"row": r, "order_number": n, "message": str(e)} for r, n, e in bad[:1000]
            ]
            result.warnings = existing
            if existing:
                result.problems.append(
                    {
                        "row": None,
                        "order_number": "",
                        "message": _(
                            "%(count)s orders were already imported and were left as they are."
                        )
                        % {"count": existing},
                    }
                )
        _timeline_for(tenant, [oid for oid, _n in new_orders], actor)
    if progress:
        progress(100)
    return result


def _resolve(cursor: Any, tenant: Tenant) -> None:
    from contacts.selectors import contact_list

    people = (
        contact_list(tenant=tenant, visible=False)
        .order_by()
        .values("id", "company_id", "customer_code", "email_key")
    )
    sql, params = people.query.sql_with_params()
    cursor.execute(
        """
        UPDATE sales_order_stage s SET product_id = p.id
        FROM sales_product p
        WHERE p.tenant_id = %s AND p.code = s.product_code AND p.deleted_at IS NULL
        """,
        [tenant.pk],
    )
    cursor.execute(
        "UPDATE sales_order_stage SET error = %s WHERE error IS NULL AND product_id IS NULL",
        [_("no product has this product code (or it was deleted); add the product first")],
    )
    cursor.execute(
        f"""
        UPDATE sales_order_stage s SET contact_id = c.id, company_id = c.company_id
        FROM ({sql}) c
        WHERE s.contact_id IS NULL AND s.customer_code <> '' AND c.customer_code = s.customer_code
        """,
        params,
    )
    cursor.execute(
        f"""
        UPDATE sales_order_stage s SET contact_id = c.id, company_id = c.company_id
        FROM ({sql}) c
        WHERE s.contact_id IS NULL AND s.email_key <> '' AND c.email_key = s.email_key
        """,
        params,
    )


def _create_customers(cursor: Any, tenant: Tenant, actor: Any) -> int:
    """Unknown customers of rows that are otherwise fine, one contact per code or e-mail,
    through contacts' service (validation, search text, audit)."""
    from contacts.services import contact_create
    from crm.core.normalize import split_name

    cursor.execute(
        """
        SELECT DISTINCT ON (coalesce(nullif(customer_code, ''), email_key))
               customer_code, email, customer_name
        FROM sales_order_stage
        WHERE error IS NULL AND contact_id IS NULL
          AND (customer_code <> '' OR email_key <> '')
        ORDER BY coalesce(nullif(customer_code, ''), email_key), rowno
        """
    )
    created = 0
    for code, email, name in cursor.fetchall():
        last, first = split_name(name) if name else ("", "")
        if not last:
            last = email.split("@")[0] if email else code
        contact_create(
            tenant=tenant,
            actor=actor,
            last_name=last,
            first_name=first,
            email=email,
            customer_code=code,
            source="order import",
        )
        created += 1
    return created


def _insert(cursor: Any, tenant: Tenant, actor: Any) -> list[tuple[int, str]]:
    cursor.execute(
        """
        UPDATE sales_order_stage s
        SET unit_price = coalesce(s.unit_price, p.unit_price),
            tax_rate = coalesce(nullif(s.tax_rate, ''), p.tax_rate)
        FROM sales_product p WHERE p.id = s.product_id AND s.error IS NULL;
        UPDATE sales_order_stage SET amount = round(quantity * unit_price - discount, 2)
        WHERE error IS NULL;
        UPDATE sales_order_stage SET error = %s WHERE error IS NULL AND amount < 0;
        """,
        [_("the discount is larger than the line amount")],
    )
    cursor.execute(
        """
        WITH good AS (SELECT * FROM sales_order_stage WHERE error IS NULL),
        head AS (
          SELECT DISTINCT ON (order_number) order_number, order_date, contact_id, company_id,
                 channel, status
          FROM good ORDER BY order_number, rowno),
        rates AS (
          SELECT order_number, tax_rate, sum(amount) AS base,
                 floor(sum(amount) * tax_rate::numeric / 100) AS tax
          FROM good GROUP BY order_number, tax_rate),
        totals AS (
          SELECT order_number, sum(base) AS subtotal, sum(tax) AS tax_total,
                 jsonb_object_agg(tax_rate, jsonb_build_object('base', base::text,
                                                              'tax', tax::text)) AS breakdown
          FROM rates GROUP BY order_number)
        INSERT INTO sales_order (tenant_id, order_number, contact_id, company_id, order_date,
               status, channel, subtotal, tax_total, total, tax_breakdown, notes,
               stock_applied, created_by_id, created_at, updated_at)
        SELECT %s, h.order_number, h.contact_id, h.company_id, h.order_date, h.status,
               h.channel, t.subtotal, t.tax_total, t.subtotal + t.tax_total, t.breakdown, '',
               false, %s, now(), now()
        FROM head h JOIN totals t USING (order_number)
        ON CONFLICT (tenant_id, order_number) DO NOTHING
        RETURNING id, order_number
        """,
        [tenant.pk, getattr(actor, "pk", None)],
    )
    new_orders = [(row[0], row[1]) for row in cursor.fetchall()]
    if new_orders:
        cursor.execute(
            """
            INSERT INTO sales_orderline (tenant_id, order_id, product_id, quantity, unit_price,
                   discount, tax_rate, amount, position)
            SELECT %s, o.id, s.product_id, s.quantity, s.unit_price, s.discount, s.tax_rate,
                   s.amount, row_number() OVER (PARTITION BY o.id ORDER BY s.rowno) - 1
            FROM sales_order_stage s
            JOIN sales_order o ON o.tenant_id = %s AND o.order_number = s.order_number
            WHERE s.error IS NULL AND o.id = ANY(%s)
            """,
            [tenant.pk, tenant.pk, [oid for oid, _n in new_orders]],
        )
    return new_orders


def _timeline_for(tenant: Tenant, order_ids: list[int], actor: Any) -> None:
    """One purchase entry per new order, written in batches (contacts.timeline_add_many)."""
    from contacts.services import timeline_add_many

    from .services import order_timeline_entry

    orders = (
        Order.objects.filter(tenant=tenant, pk__in=order_ids)
        .only("pk", "order_number", "order_date", "total", "status", "contact_id", "company_id")
        .order_by("pk")
        .iterator(chunk_size=5000)
    )
    timeline_add_many(
        tenant=tenant, entries=(order_timeline_entry(order, actor) for order in orders)
    )
