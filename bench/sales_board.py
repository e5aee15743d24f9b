"""The deal board with 100,000 open deals in one pipeline, against a plain query in the same run.

    source <(grep export /tmp/services.out)   # or let DATABASE_URL point at your server
    DEBUG=1 .venv/bin/python bench/sales_board.py --deals 100000

1. Creates a scratch database (`crm_bench_board`, dropped at the end unless --keep), runs the
   migrations, makes one tenant with an owner and four reps, its default pipeline, and seeds
   N open deals spread over the four open stages with ONE set-based INSERT … SELECT
   generate_series (amounts, owners, close dates over a year, some tags, time in stage up to
   60 days so a share is stale).
   The board's per-stage totals (StageTotals) are kept by the triggers of sales 0007
   during that INSERT; the run checks them against a fresh aggregate.
2. Times `sales.deals.selectors.board` in-process (stages with their first card ids, the
   headers' totals, the cards by id: 3 queries): server time without HTTP, unfiltered (the
   headers read the kept totals) and with each filter (owner, close month, tag: the headers
   aggregate the filtered deals). Also the headers alone both ways: kept totals vs the
   aggregate over every deal of the pipeline (what the unfiltered board did before).
   Baseline in the same run: one column's first cards as a plain
   `SELECT … WHERE stage_id = … ORDER BY id DESC LIMIT 20`.
3. Times the board page (GET /sales/deals/board/) through Django's test client, with and
   without a filter (wall and CPU time of this process per request), and counts its queries.
4. Prints one JSON object on its last line.

    --seed-demo: instead of the INSERT above, time `seed_demo --contacts C --deals D
    --orders O` (defaults 20,000 / 100,000 / 1,000,000) into the scratch database, per
    seeder, then check the board totals and the order numbers and run 2.-3. on that tenant
    (its ~80% open deals over four open stages plus won and lost columns).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._stats import ms, percentile, summary  # noqa: E402

DB_NAME = "crm_bench_board"


SEED_SQL = """
INSERT INTO sales_deal (tenant_id, name, pipeline_id, stage_id, owner_id, amount, currency,
  expected_close_date, probability, source, lost_reason, next_step, tags, stage_entered_at,
  closed_at, created_at, updated_at, deleted_at, custom_fields)
SELECT %(tenant)s,
  (ARRAY['基幹システム更新','保守契約','工場IoT化','Web刷新','研修'])[1 + i %% 5] || ' ' || i,
  %(pipeline)s,
  (%(stages)s)[1 + floor(random() * %(n_stages)s)::int],
  (%(owners)s)[1 + floor(random() * %(n_owners)s)::int],
  round((100000 + random() * 9900000)::numeric, -3),
  'JPY',
  current_date + floor(random() * 365)::int,
  CASE WHEN random() < 0.1 THEN floor(random() * 100)::int END,
  '', '', '',
  CASE WHEN random() < 0.2 THEN ARRAY['展示会'] ELSE ARRAY[]::varchar[] END,
  now() - random() * interval '60 days',
  NULL, now(), now(), NULL, '{}'::jsonb
FROM generate_series(1, %(n)s) AS i
"""


def seed_demo_timed(tenant: Any, args: argparse.Namespace) -> dict[str, Any]:
    """seed_demo's three parts, each timed, then the checks the tests make at small N."""
    from django.db import connection

    from contacts.demo import seed_contacts
    from crm.core.context import tenant_context
    from sales.catalog.demo import seed_bulk_orders
    from sales.catalog.models import Order, OrderLine, OrderNumberCounter
    from sales.deals.demo import seed_bulk_deals
    from sales.deals.models import Deal

    out: dict[str, Any] = {"contacts": args.contacts, "deals": args.deals, "orders": args.orders}
    with tenant_context(tenant):
        for name, run in (
            ("contacts", lambda: seed_contacts(tenant=tenant, contacts=args.contacts)),
            ("deals", lambda: seed_bulk_deals(tenant=tenant, count=args.deals)),
            ("orders", lambda: seed_bulk_orders(tenant=tenant, count=args.orders)),
        ):
            started, cpu = time.perf_counter(), time.process_time()
            run()
            out[f"{name}_seconds"] = round(time.perf_counter() - started, 1)
            out[f"{name}_python_cpu_seconds"] = round(time.process_time() - cpu, 1)
            out[f"load_after_{name}"] = [round(x, 2) for x in os.getloadavg()]
        out["deal_rows"] = Deal.objects.count()
        out["order_rows"] = Order.objects.count()
        out["order_line_rows"] = OrderLine.objects.count()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(DISTINCT order_number) = count(*) FROM sales_order"
                " WHERE tenant_id = %s",
                [tenant.pk],
            )
            out["order_numbers_unique"] = cursor.fetchone()[0]
        out["order_counter"] = OrderNumberCounter.objects.get().last_number
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept, seeded database")
    parser.add_argument("--seed-demo", action="store_true", help="seed with seed_demo")
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    args = parser.parse_args()

    import psycopg

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    base_url = os.environ.get("DATABASE_URL", "postgresql://crm@localhost:5432/crm")
    admin = psycopg.connect(base_url, autocommit=True)
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
    if exists and not args.reuse:
        admin.execute(f"DROP DATABASE {DB_NAME}")
    if not exists or not args.reuse:
        admin.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["CRM_DB_NAME"] = DB_NAME

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from crm.core.context import tenant_context
    from crm.core.models import Membership, Tenant, User
    from crm.core.roles import Role
    from crm.core.services.tenants import membership_add, tenant_create
    from sales.deals import selectors, services
    from sales.deals.models import Deal, Stage

    setup_test_environment()
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "deals": args.deals,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        if not args.reuse:
            call_command("migrate", verbosity=0)
            owner = User.objects.create_user(email="bench-owner@example.com", password=None)
            tenant = tenant_create(name="Board bench", owner=owner, slug="board-bench")
            reps = [
                User.objects.create_user(email=f"rep{i}@example.com", password=None)
                for i in range(4)
            ]
            with tenant_context(tenant):
                for rep in reps:
                    membership_add(tenant=tenant, user=rep, role=Role.SALES)
                pipeline = services.pipeline_default(tenant=tenant)
                open_ids = list(
                    Stage.objects.filter(pipeline=pipeline, kind="open")
                    .order_by("position")
                    .values_list("id", flat=True)
                )
                owner_ids = list(Membership.objects.values_list("user_id", flat=True))
                sql = (
                    SEED_SQL.replace("%(tenant)s", str(tenant.pk))
                    .replace("%(pipeline)s", str(pipeline.pk))
                    .replace("%(stages)s", "ARRAY[" + ",".join(map(str, open_ids)) + "]")
                    .replace("%(n_stages)s", str(len(open_ids)))
                    .replace("%(owners)s", "ARRAY[" + ",".join(map(str, owner_ids)) + "]")
                    .replace("%(n_owners)s", str(len(owner_ids)))
                    .replace("%(n)s", str(args.deals))
                    .replace("%%", "%")
                )
                if args.seed_demo:
                    result["seed_demo"] = seed_demo_timed(tenant, args)
                else:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT setseed(0.42)")
                        started = time.perf_counter()
                        cursor.execute(sql)
                        result["seed_seconds"] = round(time.perf_counter() - started, 1)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE sales_deal")
                cursor.execute("VACUUM ANALYZE sales_stagetotals")
        tenant = Tenant.objects.get(slug="board-bench")
        owner = User.objects.get(email="bench-owner@example.com")
        with tenant_context(tenant):
            pipeline = services.pipeline_default(tenant=tenant)
            first_stage = Stage.objects.filter(pipeline=pipeline).order_by("position").first()
            assert first_stage is not None
            result["open_deals"] = Deal.objects.filter(
                pipeline=pipeline, stage__kind="open", deleted_at=None
            ).count()
            month = time.strftime("%Y-%m", time.localtime(time.time() + 90 * 86400))
        cases = {
            "all": {},
            "owner": {"owner": str(owner.pk)},
            "close_month": {"close_month": month},
            "tag": {"tag": "展示会"},
        }

        selector_cpu: dict[str, list[float]] = {}

        def board_once(params: dict[str, str], cpu_into: list[float] | None = None) -> float:
            with tenant_context(tenant):
                started, cpu_start = time.perf_counter(), time.process_time()
                columns = selectors.board(
                    tenant=tenant,
                    pipeline=pipeline,
                    membership=None,
                    filters=selectors.deal_filters(params=params),
                )
                took = time.perf_counter() - started
                if cpu_into is not None:
                    cpu_into.append(time.process_time() - cpu_start)
            assert sum(c.count for c in columns) > 0
            return took

        def baseline_once() -> float:
            with tenant_context(tenant):
                started = time.perf_counter()
                rows = list(
                    Deal.objects.filter(tenant=tenant, stage=first_stage, deleted_at=None)
                    .select_related("owner", "company")
                    .order_by("-id")[:20]
                )
                took = time.perf_counter() - started
            assert rows
            return took

        with tenant_context(tenant):
            args_: dict[str, Any] = {"tenant": tenant, "pipeline": pipeline, "membership": None}
            kept = selectors.board_totals(filters=selectors.DealFilters(), **args_)
            fresh = selectors.board_totals_aggregate(filters=selectors.DealFilters(), **args_)

            def numbers(rows: dict[int, dict[str, Any]]) -> dict[int, tuple[Any, ...]]:
                return {
                    k: tuple(v.get(f) or 0 for f in ("count", "total", "overridden", "plain"))
                    for k, v in rows.items()
                    if v.get("count")
                }

            result["kept_totals_exact"] = numbers(kept) == numbers(fresh)

        def headers_once(kept_totals: bool) -> float:
            with tenant_context(tenant):
                started = time.perf_counter()
                if kept_totals:
                    selectors.board_totals(filters=selectors.DealFilters(), **args_)
                else:
                    selectors.board_totals_aggregate(filters=selectors.DealFilters(), **args_)
                return time.perf_counter() - started

        header_times: dict[str, list[float]] = {"kept totals": [], "aggregate": []}
        for _ in range(args.repeat):
            header_times["kept totals"].append(headers_once(True))
            header_times["aggregate"].append(headers_once(False))
        result["headers_only"] = {name: summary(t) for name, t in header_times.items()}

        selector_times: dict[str, list[float]] = {}
        baseline: list[float] = []
        for name, params in cases.items():
            board_once(params)  # warm
            selector_times[name] = []
            selector_cpu[name] = []
            for _ in range(args.repeat):
                selector_times[name].append(board_once(params, selector_cpu[name]))
                baseline.append(baseline_once())
        result["baseline_one_column_limit_20"] = summary(baseline)
        result["board_selector"] = {
            name: {**summary(t), "cpu_p95_ms": ms(percentile(selector_cpu[name], 95))}
            for name, t in selector_times.items()
        }
        result["ratio_p95_headers_aggregate_over_kept"] = round(
            result["headers_only"]["aggregate"]["p95_ms"]
            / max(result["headers_only"]["kept totals"]["p95_ms"], 0.01),
            1,
        )
        result["ratio_p95_board_over_baseline"] = round(
            result["board_selector"]["all"]["p95_ms"]
            / max(result["baseline_one_column_limit_20"]["p95_ms"], 0.01),
            1,
        )

        client = Client()
        client.force_login(owner)
        pages: dict[str, list[float]] = {"board": [], "board owner=me": []}
        cpu: dict[str, list[float]] = {name: [] for name in pages}
        for name, url in (
            ("board", "/sales/deals/board/"),
            ("board owner=me", "/sales/deals/board/?owner=me"),
        ):
            client.get(url)
            for _ in range(args.repeat):
                started, cpu_start = time.perf_counter(), time.process_time()
                response = client.get(url)
                pages[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - cpu_start)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            client.get("/sales/deals/board/")
        result["board_page_queries"] = len(captured.captured_queries)
        result["pages"] = {
            name: {**summary(t), "cpu_p95_ms": ms(percentile(cpu[name], 95))}
            for name, t in pages.items()
        }
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin.close()
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    for name, row in result["headers_only"].items():
        print(f"headers {name:19} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms")
    for name, row in result["board_selector"].items():
        print(
            f"board selector {name:12} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms"
            f"  cpu p95 {row['cpu_p95_ms']:6.1f} ms"
        )
    base = result["baseline_one_column_limit_20"]
    print(f"baseline (one column)       p50 {base['p50_ms']:7.1f} ms  p95 {base['p95_ms']:7.1f} ms")
    for name, row in result["pages"].items():
        print(
            f"page {name:22} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms"
            f"  cpu p95 {row['cpu_p95_ms']:6.1f} ms"
        )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
