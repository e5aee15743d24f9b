"""Demo products and orders (`seed_demo --orders N`).

Orders are purchase history, written set-based whatever N (a million in minutes, see
bench/sales_board.py --seed-demo): 1–3 lines each over the tenant's products (a demo
catalogue of 20 is made first when it has none), on existing contacts (with their company)
and companies, order dates over the last three years, statuses by age (delivered mostly;
some cancelled or returned; the last weeks confirmed, shipped or draft), channels varied.
Totals are computed from the lines the way order_create does (line amount = quantity ×
price − discount; tax per rate on the rate's sum, rounded down; the per-rate breakdown).
Like imported orders they are history: no stock moves (stock_applied stays false) and no
timeline entries.

Order numbers are the tenant's own sequence (OrderNumberCounter, the row next_order_number
bumps): the counter row is locked, the next N free numbers after it are taken (a number an
imported order already holds is skipped, as next_order_number does) and the counter moves to
the last one, so an order entered by hand afterwards gets the next number. Choices come from
a hash of the order's number in the tenant and the tenant's slug (deterministic); a second
run adds N more orders with new numbers, like `--contacts`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Company
from crm.core.models import Tenant
from sales.deals.demo import CUSTOMER_POOL, customer_pool, demo_salt, hashes_sql

from .models import Order, Product, TaxRate
from .services import sales_settings_for

# (code, name, category, unit price, tax rate, cost)
DEMO_PRODUCTS = (
    ("OF-001", "コピー用紙 A4 5,000枚", "事務用品", 3_800, TaxRate.STANDARD, 2_600),
    ("OF-002", "ボールペン 黒 10本", "事務用品", 1_100, TaxRate.STANDARD, 600),
    ("OF-003", "クリアファイル 100枚", "事務用品", 1_600, TaxRate.STANDARD, 900),
    ("OF-004", "トナーカートリッジ", "事務用品", 18_500, TaxRate.STANDARD, 12_000),
    ("IT-001", "ノートPC 14インチ", "IT機器", 128_000, TaxRate.STANDARD, 98_000),
    ("IT-002", "24インチモニター", "IT機器", 26_800, TaxRate.STANDARD, 19_500),
    ("IT-003", "無線LANルーター", "IT機器", 15_400, TaxRate.STANDARD, 10_200),
    ("IT-004", "USBキーボード", "IT機器", 3_980, TaxRate.STANDARD, 2_300),
    ("SV-001", "保守サポート 年間", "サービス", 120_000, TaxRate.STANDARD, 40_000),
    ("SV-002", "導入研修 1日", "サービス", 80_000, TaxRate.STANDARD, 30_000),
    ("SV-003", "クラウドストレージ 1TB 年間", "サービス", 36_000, TaxRate.STANDARD, 12_000),
    ("FD-001", "ドリップコーヒー 100袋", "食品", 4_800, TaxRate.REDUCED, 3_000),
    ("FD-002", "緑茶ティーバッグ 50袋", "食品", 1_980, TaxRate.REDUCED, 1_100),
    ("FD-003", "ミネラルウォーター 500ml 24本", "食品", 2_400, TaxRate.REDUCED, 1_400),
    ("FD-004", "菓子詰め合わせ", "食品", 3_240, TaxRate.REDUCED, 2_000),
    ("FD-005", "お弁当 幕の内", "食品", 980, TaxRate.REDUCED, 600),
    ("FN-001", "オフィスチェア", "家具", 42_000, TaxRate.STANDARD, 28_000),
    ("FN-002", "会議テーブル 180cm", "家具", 68_000, TaxRate.STANDARD, 45_000),
    ("BK-001", "ビジネス書 営業の教科書", "書籍", 1_760, TaxRate.STANDARD, 1_200),
    ("GF-001", "商品券 1万円分", "ギフト", 10_000, TaxRate.EXEMPT, 10_000),
)
_CHANNELS = ("sales", "sales", "online", "online", "store", "phone", "other")


def demo_products(*, tenant: Tenant) -> list[Product]:
    """The tenant's live products; the demo catalogue first when it has none."""
    products = list(Product.objects.filter(tenant=tenant, deleted_at=None).order_by("id"))
    if products:
        return products
    Product.objects.bulk_create(
        [
            Product(
                tenant=tenant,
                code=code,
                name=name,
                category=category,
                unit_price=Decimal(price),
                tax_rate=rate,
                cost=Decimal(cost),
            )
            for code, name, category, price, rate, cost in DEMO_PRODUCTS
        ]
    )
    return list(Product.objects.filter(tenant=tenant, deleted_at=None).order_by("id"))


_DROP_TEMP = "DROP TABLE IF EXISTS demo_order_numbers, demo_order_lines"
_NUMBERS_SQL = """
CREATE TEMP TABLE demo_order_numbers ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY num) + %(n0)s - 1 AS n, num,
  %(prefix)s || lpad(num::text, greatest(6, length(num::text)), '0') AS order_number
FROM (
  SELECT num FROM generate_series(%(last)s::bigint + 1,
                                  %(last)s::bigint + %(count)s + %(slack)s) AS num
  WHERE NOT EXISTS (
    SELECT 1 FROM sales_order o WHERE o.tenant_id = %(t)s
      AND o.order_number = %(prefix)s || lpad(num::text, greatest(6, length(num::text)), '0'))
  ORDER BY num LIMIT %(count)s
) free
"""

_LINES_SQL = """
CREATE TEMP TABLE demo_order_lines ON COMMIT DROP AS
SELECT x.n, x.position, x.product_id, x.quantity, x.unit_price, x.discount, x.tax_rate,
  round(x.quantity * x.unit_price - x.discount, 2) AS amount
FROM (
  SELECT g.n, i.i - 1 AS position, p.pick,
    (%(product_ids)s::bigint[])[p.pick] AS product_id,
    (1 + CASE WHEN l.h1 %% 10 < 7 THEN l.h2 %% 3 ELSE l.h2 %% 12 END)::numeric(12, 2)
      AS quantity,
    (%(prices)s::numeric[])[p.pick] AS unit_price,
    CASE WHEN l.h3 %% 20 = 0
      THEN floor((%(prices)s::numeric[])[p.pick] * 0.1) ELSE 0 END::numeric(14, 2)
      AS discount,
    (%(rates)s::text[])[p.pick] AS tax_rate
  FROM generate_series(%(n0)s::bigint, %(n0)s::bigint + %(count)s - 1) AS g(n),
    {order_hashes},
    LATERAL generate_series(1, 1 + (h.h0 %% 3)::int) AS i(i),
    {line_hashes},
    LATERAL (SELECT 1 + l.h0 %% cardinality(%(product_ids)s::bigint[]) AS pick) p
) x
"""

_ORDERS_SQL = """
WITH rates AS (
  SELECT n, tax_rate, sum(amount) AS base, floor(sum(amount) * tax_rate::numeric / 100) AS tax
  FROM demo_order_lines GROUP BY n, tax_rate
), totals AS (
  SELECT n, sum(base) AS subtotal, sum(tax) AS tax_total,
    jsonb_object_agg(tax_rate, jsonb_build_object('base', base::text, 'tax', tax::text))
      AS breakdown
  FROM rates GROUP BY n
), head AS (
  SELECT g.n, c.contact_id,
    CASE WHEN c.contact_id IS NOT NULL THEN (%(contact_companies)s::bigint[])[c.pick]
         ELSE (%(companies)s::bigint[])[1 + (h.h2 / 100) %% greatest(
           cardinality(%(companies)s::bigint[]), 1)] END AS company_id,
    %(today)s::date - (h.h3 %% 1095)::int AS order_date,
    h.h4 %% 100 AS status_pick,
    (%(channels)s::text[])[1 + h.h5 %% cardinality(%(channels)s::text[])] AS channel
  FROM generate_series(%(n0)s::bigint, %(n0)s::bigint + %(count)s - 1) AS g(n),
    {order_hashes},
    LATERAL (SELECT 1 + (h.h2 / 100) %% greatest(cardinality(%(contacts)s::bigint[]), 1)
                      AS pick) p,
    LATERAL (SELECT p.pick,
                    CASE WHEN cardinality(%(contacts)s::bigint[]) > 0 AND (
                           h.h2 %% 100 < 80 OR cardinality(%(companies)s::bigint[]) = 0)
                      THEN (%(contacts)s::bigint[])[p.pick] END AS contact_id) c
)
INSERT INTO sales_order (tenant_id, order_number, contact_id, company_id, order_date, status,
  channel, subtotal, tax_total, total, tax_breakdown, notes, stock_applied, created_by_id,
  created_at, updated_at)
SELECT %(t)s, num.order_number, hd.contact_id, hd.company_id, hd.order_date,
  CASE
    WHEN hd.order_date > %(today)s::date - 7 THEN
      CASE WHEN hd.status_pick < 20 THEN 'draft' WHEN hd.status_pick < 70 THEN 'confirmed'
           ELSE 'shipped' END
    WHEN hd.order_date > %(today)s::date - 30 THEN
      CASE WHEN hd.status_pick < 40 THEN 'shipped' WHEN hd.status_pick < 95 THEN 'delivered'
           ELSE 'cancelled' END
    ELSE CASE WHEN hd.status_pick < 93 THEN 'delivered' WHEN hd.status_pick < 98
              THEN 'cancelled' ELSE 'returned' END
  END,
  hd.channel, t.subtotal, t.tax_total, t.subtotal + t.tax_total, t.breakdown, '', false, NULL,
  (hd.order_date + time '12:00') AT TIME ZONE %(tz)s,
  (hd.order_date + time '12:00') AT TIME ZONE %(tz)s
FROM head hd JOIN totals t USING (n) JOIN demo_order_numbers num USING (n)
ORDER BY hd.n
"""

_ORDER_LINES_SQL = """
INSERT INTO sales_orderline (tenant_id, order_id, product_id, quantity, unit_price, discount,
  tax_rate, amount, position)
SELECT %(t)s, o.id, l.product_id, l.quantity, l.unit_price, l.discount, l.tax_rate, l.amount,
  l.position
FROM demo_order_numbers num
JOIN sales_order o ON o.tenant_id = %(t)s AND o.order_number = num.order_number
JOIN demo_order_lines l ON l.n = num.n
ORDER BY o.id, l.position
"""


def seed_orders(*, tenant: Tenant, orders: int | None = None, **_: Any) -> None:
    """seed_demo's part: `orders` more orders (none without --orders)."""
    if orders:
        seed_bulk_orders(tenant=tenant, count=orders)


@transaction.atomic
def seed_bulk_orders(*, tenant: Tenant, count: int) -> int:
    """`count` more orders, set-based (see the module). Returns how many were written."""
    if count <= 0:
        return 0
    contacts, contact_companies = customer_pool(tenant)
    companies = list(
        Company.objects.filter(tenant=tenant, deleted_at=None)
        .order_by("-id")
        .values_list("id", flat=True)[:CUSTOMER_POOL]
    )
    if not contacts and not companies:
        raise ValueError("orders need customers: seed contacts first (--contacts N)")
    products = demo_products(tenant=tenant)
    prefix = sales_settings_for(tenant=tenant).order_number_prefix
    now = timezone.now()
    params: dict[str, Any] = {
        "t": tenant.pk,
        "salt": demo_salt(tenant, "orders"),
        "count": count,
        "prefix": prefix,
        "contacts": contacts,
        "contact_companies": contact_companies or [None],
        "companies": companies,
        "product_ids": [p.pk for p in products],
        "prices": [p.unit_price for p in products],
        "rates": [p.tax_rate for p in products],
        "channels": list(_CHANNELS),
        "today": timezone.localdate(now),
        "tz": timezone.get_current_timezone_name(),
    }
    order_hashes = hashes_sql(6)
    line_hashes = hashes_sql(4, var="(g.n * 4 + i.i)", alias="l")
    with connection.cursor() as cursor:
        # The counter row, locked until we commit (next_order_number waits for us).
        cursor.execute(
            """
            INSERT INTO sales_ordernumbercounter (tenant_id, last_number) VALUES (%s, 0)
            ON CONFLICT (tenant_id) DO UPDATE
              SET last_number = sales_ordernumbercounter.last_number
            RETURNING last_number
            """,
            [tenant.pk],
        )
        params["last"] = cursor.fetchone()[0]
        existing = Order.objects.filter(tenant=tenant).count()
        params["n0"] = existing + 1
        params["slack"] = existing  # at most this many numbers can be taken already
        # (ON COMMIT DROP is not enough inside an outer transaction: two runs in one)
        cursor.execute(_DROP_TEMP)
        cursor.execute(_NUMBERS_SQL, params)
        cursor.execute(
            _LINES_SQL.format(order_hashes=order_hashes, line_hashes=line_hashes), params
        )
        cursor.execute(_ORDERS_SQL.format(order_hashes=order_hashes), params)
        written = cursor.rowcount
        cursor.execute(_ORDER_LINES_SQL, params)
        cursor.execute(
            "UPDATE sales_ordernumbercounter SET last_number = greatest(last_number,"
            " (SELECT max(num) FROM demo_order_numbers)) WHERE tenant_id = %s",
            [tenant.pk],
        )
        cursor.execute(_DROP_TEMP)
        if count >= 10_000:
            for table in ("sales_order", "sales_orderline"):
                cursor.execute(f"ANALYZE {table}")
    return written
