"""The forecast with 100,000 open deals, against a plain sum over the open deals in the same run.

    source <(grep export /tmp/services.out)   # or let DATABASE_URL point at your server
    DEBUG=1 .venv/bin/python bench/sales_forecast.py --deals 100000

1. Creates a scratch database (`crm_bench_forecast`, dropped at the end unless --keep), runs the
   migrations, makes one tenant with an admin and ten reps (five of them under a manager), the
   default pipeline, and seeds with ONE set-based INSERT … SELECT generate_series each:
   N open deals over the four open stages (close dates over the next twelve months, 10 % with
   a probability override, 1 % in USD) and N/10 won deals closed over the last six months and
   the current one; one INSERT for the targets (every rep, twelve months).
2. Times `sales.forecast.selectors.forecast` in-process (server time without HTTP): everyone
   this quarter, one rep, the manager's team, the fiscal year (12 months). Baseline in the same
   run: `SELECT sum(amount) FROM sales_deal JOIN sales_stage … WHERE tenant_id = … AND kind =
   'open'` (the cheapest query that reads every open deal).
3. Times the forecast page, its JSON, the API and a drill-down page through Django's test
   client, and counts the page's queries.
4. Drops the two forecast indexes (deal_forecast_open, deal_forecast_closed), times the
   selector again, and puts them back: what the indexes buy. EXPLAIN of the open-deal
   aggregate shows which scan PostgreSQL picks.
5. Prints one JSON object on its last line.
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
from bench._stats import summary  # noqa: E402

DB_NAME = "crm_bench_forecast"


OPEN_SQL = """
INSERT INTO sales_deal (tenant_id, name, pipeline_id, stage_id, owner_id, amount, currency,
  expected_close_date, probability, source, lost_reason, next_step, tags, stage_entered_at,
  closed_at, created_at, updated_at, deleted_at, custom_fields)
SELECT %(tenant)s,
  (ARRAY['基幹システム更新','保守契約','工場IoT化','Web刷新','研修'])[1 + i %% 5] || ' ' || i,
  %(pipeline)s,
  (%(stages)s)[1 + floor(random() * %(n_stages)s)::int],
  (%(owners)s)[1 + floor(random() * %(n_owners)s)::int],
  round((100000 + random() * 9900000)::numeric, -3),
  CASE WHEN random() < 0.01 THEN 'USD' ELSE 'JPY' END,
  date_trunc('month', current_date)::date + floor(random() * 365)::int,
  CASE WHEN random() < 0.1 THEN floor(random() * 100)::int END,
  '', '', '', ARRAY[]::varchar[],
  now() - random() * interval '60 days',
  NULL, now(), now(), NULL, '{}'::jsonb
FROM generate_series(1, %(n)s) AS i
"""
WON_SQL = """
INSERT INTO sales_deal (tenant_id, name, pipeline_id, stage_id, owner_id, amount, currency,
  expected_close_date, probability, source, lost_reason, next_step, tags, stage_entered_at,
  closed_at, created_at, updated_at, deleted_at, custom_fields)
SELECT %(tenant)s, '受注 ' || i, %(pipeline)s, %(won_stage)s,
  (%(owners)s)[1 + floor(random() * %(n_owners)s)::int],
  round((100000 + random() * 9900000)::numeric, -3),
  'JPY', NULL, NULL, '', '', '', ARRAY[]::varchar[], now(),
  date_trunc('month', now()) - interval '6 months' + random() * interval '7 months',
  now(), now(), NULL, '{}'::jsonb
FROM generate_series(1, %(n)s) AS i
"""
TARGETS_SQL = """
INSERT INTO sales_salestarget (tenant_id, user_id, month, amount, set_by_id, updated_at)
SELECT %(tenant)s, u, (date_trunc('month', current_date) + (m || ' months')::interval)::date,
  50000000, NULL, now()
FROM unnest(%(owners)s) AS u, generate_series(-6, 11) AS m
"""
BASELINE_SQL = """
SELECT sum(d.amount) FROM sales_deal d JOIN sales_stage s ON s.id = d.stage_id
WHERE d.tenant_id = %s AND d.deleted_at IS NULL AND s.kind = 'open'
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept, seeded database")
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
    from sales.deals import services
    from sales.deals.models import Deal, Stage
    from sales.forecast import selectors

    setup_test_environment()
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "deals": args.deals,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }

    def fill(sql: str, values: dict[str, Any]) -> str:
        for key, value in values.items():
            sql = sql.replace(f"%({key})s", str(value))
        return sql.replace("%%", "%")

    try:
        if not args.reuse:
            call_command("migrate", verbosity=0)
            owner = User.objects.create_user(email="bench-owner@example.com", password=None)
            tenant = tenant_create(name="Forecast bench", owner=owner, slug="forecast-bench")
            reps = [
                User.objects.create_user(email=f"rep{i}@example.com", password=None)
                for i in range(10)
            ]
            manager = User.objects.create_user(email="manager@example.com", password=None)
            with tenant_context(tenant):
                lead = membership_add(tenant=tenant, user=manager, role=Role.MANAGER)
                for index, rep in enumerate(reps):
                    membership = membership_add(tenant=tenant, user=rep, role=Role.SALES)
                    if index < 5:
                        Membership.objects.filter(pk=membership.pk).update(manager=lead)
                pipeline = services.pipeline_default(tenant=tenant)
                open_ids = list(
                    Stage.objects.filter(pipeline=pipeline, kind="open")
                    .order_by("position")
                    .values_list("id", flat=True)
                )
                won_stage = Stage.objects.get(pipeline=pipeline, kind="won")
                owners = "ARRAY[" + ",".join(str(r.pk) for r in reps) + "]"
                values = {
                    "tenant": tenant.pk,
                    "pipeline": pipeline.pk,
                    "stages": "ARRAY[" + ",".join(map(str, open_ids)) + "]",
                    "n_stages": len(open_ids),
                    "owners": owners,
                    "n_owners": len(reps),
                    "won_stage": won_stage.pk,
                }
                with connection.cursor() as cursor:
                    cursor.execute("SELECT setseed(0.42)")
                    started = time.perf_counter()
                    cursor.execute(fill(OPEN_SQL, {**values, "n": args.deals}))
                    cursor.execute(fill(WON_SQL, {**values, "n": args.deals // 10}))
                    cursor.execute(fill(TARGETS_SQL, values))
                    result["seed_seconds"] = round(time.perf_counter() - started, 1)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE sales_deal")
                cursor.execute("VACUUM ANALYZE sales_salestarget")
        tenant = Tenant.objects.get(slug="forecast-bench")
        owner = User.objects.get(email="bench-owner@example.com")
        manager = User.objects.get(email="manager@example.com")
        one_rep = User.objects.get(email="rep0@example.com")
        with tenant_context(tenant):
            admin_ms = Membership.objects.get(tenant=tenant, user=owner)
            result["open_deals"] = Deal.objects.filter(stage__kind="open", deleted_at=None).count()
            result["won_deals"] = Deal.objects.filter(stage__kind="won").count()
        cases = {
            "everyone_quarter": {"scope": "all"},
            "one_rep_quarter": {"owner": str(one_rep.pk)},
            "team_quarter": {"team": str(manager.pk)},
            "everyone_fiscal_year": {"scope": "all", "period": "fy"},
        }

        def forecast_once(params: dict[str, str]) -> float:
            with tenant_context(tenant):
                started = time.perf_counter()
                query = selectors.forecast_query(tenant=tenant, membership=admin_ms, params=params)
                answer = selectors.forecast(tenant=tenant, membership=admin_ms, query=query)
                took = time.perf_counter() - started
            assert answer.total.pipeline > 0, params
            return took

        def baseline_once() -> float:
            with tenant_context(tenant), connection.cursor() as cursor:
                started = time.perf_counter()
                cursor.execute(BASELINE_SQL, [tenant.pk])
                total = cursor.fetchone()[0]
                took = time.perf_counter() - started
            assert total
            return took

        def measure(label: str) -> dict[str, Any]:
            times: dict[str, list[float]] = {}
            base: list[float] = []
            for name, params in cases.items():
                forecast_once(params)  # warm
                baseline_once()
                times[name] = []
                for _ in range(args.repeat):
                    times[name].append(forecast_once(params))
                    base.append(baseline_once())
            out = {
                "baseline_sum_open_deals": summary(base),
                "forecast_selector": {name: summary(t) for name, t in times.items()},
            }
            out["ratio_p95_over_baseline"] = {
                name: round(row["p95_ms"] / max(out["baseline_sum_open_deals"]["p95_ms"], 0.01), 2)
                for name, row in out["forecast_selector"].items()
            }
            print(f"[{label}] done", file=sys.stderr)
            return out

        result["with_indexes"] = measure("with indexes")

        with tenant_context(tenant):
            query = selectors.forecast_query(
                tenant=tenant, membership=admin_ms, params={"scope": "all"}
            )
            from sales.forecast.selectors import _scoped, open_aggregate

            open_qs = open_aggregate(_scoped(tenant, admin_ms, None), query.start, query.end, 50)
            plan = open_qs.explain()
        result["open_aggregate_plan_scans"] = [
            line.strip().lstrip("->").strip() for line in plan.splitlines() if "Scan" in line
        ]

        client = Client()
        client.force_login(owner)
        month = time.strftime("%Y-%m")
        urls = {
            "forecast page": "/sales/forecast/?who=all",
            "forecast JSON": "/sales/forecast/data/?who=all",
            "forecast API": "/api/v1/forecast/?scope=all",
            "drill-down page": f"/sales/forecast/deals/?who=all&figure=pipeline&month={month}",
        }
        pages: dict[str, list[float]] = {name: [] for name in urls}
        for name, url in urls.items():
            client.get(url)
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(url)
                pages[name].append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            client.get(urls["forecast page"])
        result["forecast_page_queries"] = len(captured.captured_queries)
        result["pages"] = {name: summary(t) for name, t in pages.items()}

        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX deal_forecast_open")
            cursor.execute("DROP INDEX deal_forecast_closed")
            cursor.execute("ANALYZE sales_deal")
        try:
            result["without_forecast_indexes"] = measure("without indexes")
        finally:
            import importlib

            indexes = importlib.import_module("sales.migrations.0009_forecast_index_ids")
            with connection.cursor() as cursor:
                cursor.execute(indexes.OPEN_INDEX)
                cursor.execute(indexes.CLOSED_INDEX)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin.close()
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    for label in ("with_indexes", "without_forecast_indexes"):
        block = result.get(label)
        if not block:
            continue
        for name, row in block["forecast_selector"].items():
            print(f"{label:26} {name:22} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms")
        base = block["baseline_sum_open_deals"]
        line = f"p50 {base['p50_ms']:7.1f} ms  p95 {base['p95_ms']:7.1f} ms"
        print(f"{label:26} {'baseline sum(open)':22} {line}")
    for name, row in result.get("pages", {}).items():
        print(f"{'page':26} {name:22} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
