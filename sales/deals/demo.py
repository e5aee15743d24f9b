"""Demo deals.

Without `deals` (plain `seed_demo`): the default pipeline and a couple of dozen deals spread
over its stages on the demo companies and contacts, made by the services (a handful of
calls, only into a tenant that has no deals yet).

With `deals=N` (`seed_demo --deals N`): N more deals in one set-based statement, as many as
a large tenant has (100,000 in seconds): about 80% open, spread over the open stages and the
owners, 12% won and 8% lost with their close time and a lost reason; most on an existing
contact (linked) and its company; amounts, overrides, close dates, tags and time in stage
varied. Every row's choices come from an arithmetic hash of its number and the tenant's
slug (no random(): the same tenant in the same state gets the same deals); numbers continue
after the tenant's deals, so a second run adds N new ones, like `--contacts`. Each deal gets
its creation row in the stage history. The board's per-stage totals are kept by the
triggers on sales_deal (migration 0007), so they are right when the statement ends.
Demo deals write no timeline entries or audit rows (they are history, not user actions).
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Contact
from crm.core.models import Membership, Tenant

from . import services
from .models import Deal, Stage, StageKind

DEMO_DEALS = 24
# Contacts the bulk demo data picks from (the newest this many): enough for variety, and
# the id arrays stay small parameters.
CUSTOMER_POOL = 100_000
_NAMES = (
    "基幹システム更新",
    "営業支援ツール導入",
    "保守契約更新",
    "工場IoT化",
    "Web刷新",
    "研修パッケージ",
    "クラウド移行",
    "セキュリティ診断",
    "コールセンター増設",
    "物流倉庫管理",
)
_SOURCES = ("展示会", "Webサイト", "紹介", "セミナー", "既存顧客", "電話")
_LOST_REASONS = ("価格", "競合に決定", "予算凍結", "時期尚早", "要件不一致")
_NEXT_STEPS = ("", "", "見積提出", "デモ実施", "決裁者訪問", "契約書送付")

# --- the hash the choices come from (also used by sales.catalog.demo) -----------------------
# p is a prime below 2**31 so that x * x stays inside bigint; squaring makes the fields of a
# row independent of each other (an affine hash alone would tie them together).
_P = 2147483629


def demo_salt(tenant: Tenant, what: str) -> int:
    return zlib.crc32(f"{tenant.slug}-{what}".encode()) % 1000003


def hash_sql(k: int, var: str = "g.n") -> str:
    """SQL for the k-th hash of the row number `var` (non-negative bigint); %% for psycopg."""
    x = f"(({var} * 1103515245 + {k * 7919 + 12345} + %(salt)s) %% {_P})"
    return f"((({x} * {x} + {k}) %% {_P}) # ({x} >> 7))"


def hashes_sql(count: int, var: str = "g.n", alias: str = "h") -> str:
    columns = ", ".join(f"{hash_sql(k, var)} AS h{k}" for k in range(count))
    return f"LATERAL (SELECT {columns}) {alias}"


def customer_pool(tenant: Tenant) -> tuple[list[int], list[int | None]]:
    """Ids of live contacts and their companies, newest first (at most CUSTOMER_POOL)."""
    rows = list(
        Contact.objects.filter(tenant=tenant, deleted_at=None)
        .order_by("-id")
        .values_list("id", "company_id")[:CUSTOMER_POOL]
    )
    return [r[0] for r in rows], [r[1] for r in rows]


def seed_deals(*, tenant: Tenant, deals: int | None = None, **_: Any) -> None:
    if deals is not None:
        seed_bulk_deals(tenant=tenant, count=deals)
        return
    pipeline = services.pipeline_default(tenant=tenant)
    if Deal.objects.filter(tenant=tenant).exists():
        return
    stages = list(Stage.objects.filter(tenant=tenant, pipeline=pipeline).order_by("position"))
    owners = list(
        Membership.objects.filter(tenant=tenant, is_active=True).values_list("user_id", flat=True)
    )
    contacts = list(
        Contact.objects.filter(tenant=tenant, deleted_at=None, company__isnull=False).order_by(
            "id"
        )[:DEMO_DEALS]
    )
    today = timezone.localdate()
    for index in range(min(DEMO_DEALS, max(len(contacts), 6))):
        contact = contacts[index] if index < len(contacts) else None
        stage = stages[index % len(stages)]
        services.deal_create(
            tenant=tenant,
            name=f"{_NAMES[index % 6]} #{index + 1}",
            company=contact.company_id if contact else None,
            contacts=[contact.pk] if contact else [],
            owner=owners[index % len(owners)] if owners else None,
            amount=(index % 7 + 1) * 850_000,
            expected_close_date=today + dt.timedelta(days=15 * (index % 6)),
            stage=stage.pk,
            pipeline=pipeline.pk,
            lost_reason="価格" if stage.kind == "lost" else "",
            tags=["展示会"] if index % 3 == 0 else [],
        )


_BULK_SQL = """
WITH src AS (
  SELECT g.n, k.kind,
    (%(names)s::text[])[1 + h.h2 %% cardinality(%(names)s::text[])] || ' #' || g.n AS name,
    CASE k.kind
      WHEN 0 THEN (%(open)s::bigint[])[1 + h.h1 %% cardinality(%(open)s::bigint[])]
      WHEN 1 THEN %(won)s::bigint ELSE %(lost)s::bigint END AS stage_id,
    CASE WHEN %(has_owner)s THEN (%(owners)s::bigint[])[1 + h.h3 %% cardinality(
      %(owners)s::bigint[])] END AS owner_id,
    c.contact_id,
    CASE WHEN c.contact_id IS NOT NULL
      THEN (%(contact_companies)s::bigint[])[c.pick] END AS company_id,
    ((30 + h.h5 %% 1970) * 10000)::numeric(16, 2) AS amount,
    CASE WHEN k.kind = 0 AND h.h6 %% 10 = 0 THEN (1 + (h.h6 / 10) %% 19) * 5 END
      AS probability,
    (%(sources)s::text[])[1 + h.h7 %% cardinality(%(sources)s::text[])] AS source,
    CASE WHEN k.kind = 2
      THEN (%(reasons)s::text[])[1 + h.h8 %% cardinality(%(reasons)s::text[])]
      ELSE '' END AS lost_reason,
    CASE WHEN k.kind = 0
      THEN (%(next_steps)s::text[])[1 + h.h8 %% cardinality(%(next_steps)s::text[])]
      ELSE '' END AS next_step,
    CASE h.h9 %% 6 WHEN 0 THEN ARRAY['展示会'] WHEN 1 THEN ARRAY['紹介']
      WHEN 2 THEN ARRAY['展示会', '要フォロー'] ELSE ARRAY[]::text[] END::varchar(50)[]
      AS tags,
    -- open: in the stage up to 90 days; closed: some time in the last three years
    CASE WHEN k.kind = 0
      THEN %(now)s::timestamptz - make_interval(secs => (h.h10 %% (90 * 86400))::float8)
      ELSE %(now)s::timestamptz - make_interval(secs => (h.h10 %% (1095 * 86400))::float8)
    END AS entered_at,
    h.h11 %% 60 AS days_before
  FROM generate_series(%(n0)s::bigint, %(n0)s::bigint + %(count)s - 1) AS g(n),
    {hashes},
    LATERAL (SELECT CASE WHEN h.h0 %% 100 < %(open_share)s THEN 0
                         WHEN h.h0 %% 100 < %(won_share)s THEN 1 ELSE 2 END AS kind) k,
    LATERAL (SELECT 1 + (h.h4 / 100) %% greatest(cardinality(%(contacts)s::bigint[]), 1)
                      AS pick,
                    CASE WHEN cardinality(%(contacts)s::bigint[]) > 0 AND h.h4 %% 100 < 85
                      THEN (%(contacts)s::bigint[])[
                        1 + (h.h4 / 100) %% greatest(cardinality(%(contacts)s::bigint[]), 1)]
                    END AS contact_id) c
), ins AS (
  INSERT INTO sales_deal (tenant_id, name, pipeline_id, stage_id, company_id, owner_id,
    amount, currency, expected_close_date, probability, source, lost_reason, next_step,
    tags, stage_entered_at, closed_at, created_at, updated_at, deleted_at, custom_fields)
  SELECT %(t)s, s.name, %(pipeline)s, s.stage_id, s.company_id, s.owner_id, s.amount, 'JPY',
    CASE WHEN s.kind = 0
      THEN (%(today)s::date + ((s.days_before * 7) %% 240 - 30)::int)
      ELSE (s.entered_at AT TIME ZONE %(tz)s)::date END,
    s.probability, s.source, s.lost_reason, s.next_step, s.tags, s.entered_at,
    CASE WHEN s.kind = 0 THEN NULL ELSE s.entered_at END,
    s.entered_at - make_interval(days => s.days_before::int), s.entered_at, NULL, '{{}}'::jsonb
  FROM src s
  ORDER BY s.n
  RETURNING id, name, stage_id, owner_id, stage_entered_at, created_at
), links AS (
  INSERT INTO sales_dealcontact (tenant_id, deal_id, contact_id)
  SELECT %(t)s, ins.id, s.contact_id FROM ins JOIN src s ON s.name = ins.name
  WHERE s.contact_id IS NOT NULL
)
INSERT INTO sales_dealstagechange (tenant_id, deal_id, from_stage_id, to_stage_id,
  changed_by_id, changed_at, seconds_in_from_stage)
SELECT %(t)s, ins.id, NULL, ins.stage_id, ins.owner_id, ins.stage_entered_at, NULL FROM ins
"""


@transaction.atomic
def seed_bulk_deals(*, tenant: Tenant, count: int, now: dt.datetime | None = None) -> int:
    """`count` more deals in the tenant's default pipeline, set-based (see the module)."""
    if count <= 0:
        return 0
    pipeline = services.pipeline_default(tenant=tenant)
    stages = list(Stage.objects.filter(tenant=tenant, pipeline=pipeline).order_by("position"))
    open_ids = [s.pk for s in stages if s.kind == StageKind.OPEN]
    won = next((s.pk for s in stages if s.kind == StageKind.WON), None)
    lost = next((s.pk for s in stages if s.kind == StageKind.LOST), None)
    if not open_ids:
        open_ids = [stages[0].pk]
    owners = list(
        Membership.objects.filter(tenant=tenant, is_active=True)
        .order_by("id")
        .values_list("user_id", flat=True)
    )
    contacts, contact_companies = customer_pool(tenant)
    now = now or timezone.now()
    params: dict[str, Any] = {
        "t": tenant.pk,
        "salt": demo_salt(tenant, "deals"),
        "n0": Deal.objects.filter(tenant=tenant).count() + 1,
        "count": count,
        "pipeline": pipeline.pk,
        "open": open_ids,
        "won": won or open_ids[-1],
        "lost": lost or open_ids[-1],
        "open_share": 80 if won or lost else 100,
        "won_share": 92 if lost else 100,
        "owners": owners or [0],
        "has_owner": bool(owners),
        "contacts": contacts,
        "contact_companies": contact_companies or [None],
        "names": list(_NAMES),
        "sources": list(_SOURCES),
        "reasons": list(_LOST_REASONS),
        "next_steps": list(_NEXT_STEPS),
        "now": now,
        "today": timezone.localdate(now),
        "tz": timezone.get_current_timezone_name(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_BULK_SQL.format(hashes=hashes_sql(12)), params)
        if count >= 10_000:
            for table in ("sales_deal", "sales_dealcontact", "sales_dealstagechange"):
                cursor.execute(f"ANALYZE {table}")
    return count
