"""The dashboard with 100,000 open deals, against a plain indexed query in the same run.

    source <(grep export /tmp/services.out)   # or let DATABASE_URL point at your server
    DEBUG=1 .venv/bin/python bench/sales_dashboard.py --deals 100000

1. Creates a scratch database (`crm_bench_dashboard`, dropped at the end unless --keep),
   runs the migrations, makes one tenant with an owner, a manager and --reps reps (4 by
   default, reporting to the manager; the measured rep then owns ~17,000 open deals), its
   default pipeline, and seeds N open deals over the four open stages with ONE set-based
   INSERT ... SELECT generate_series (owners spread over all users, close dates over a
   year, a share in this month, time in stage up to 60 days so some are stale), plus
   --won deals won this month. When the Activity table exists it also seeds --activities
   activities (from a month back to two months ahead) the same way.
2. Times every registered widget's data function in-process for a rep (server time
   without HTTP), p50/p95 over --repeat runs, and counts its queries.
   Baseline in the same run: `SELECT ... FROM sales_deal WHERE tenant_id = ... AND
   owner_id = ... ORDER BY id DESC LIMIT 20` (the (tenant, owner, -id) index).
3. Times the dashboard page (GET /) and then the page plus every widget JSON call it makes
   (what a browser asks for on one visit), through Django's test client.
4. Prints one JSON object on its last line.
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

DB_NAME = "crm_bench_dashboard"


DEALS_SQL = """
INSERT INTO sales_deal (tenant_id, name, pipeline_id, stage_id, owner_id, amount, currency,
  expected_close_date, probability, source, lost_reason, next_step, tags, stage_entered_at,
  closed_at, created_at, updated_at, deleted_at, custom_fields)
SELECT {tenant},
  (ARRAY['基幹システム更新','保守契約','工場IoT化','Web刷新','研修'])[1 + i % 5] || ' ' || i,
  {pipeline},
  (ARRAY[{stages}])[1 + floor(random() * {n_stages})::int],
  (ARRAY[{owners}])[1 + floor(random() * {n_owners})::int],
  round((100000 + random() * 9900000)::numeric, -3),
  'JPY',
  CASE WHEN random() < 0.1 THEN date_trunc('month', current_date)::date
       + floor(random() * 28)::int ELSE current_date + floor(random() * 365)::int END,
  CASE WHEN random() < 0.1 THEN floor(random() * 100)::int END,
  '', '', '', ARRAY[]::varchar[],
  now() - random() * interval '60 days',
  NULL, now(), now(), NULL, '{{}}'::jsonb
FROM generate_series(1, {n}) AS i
"""

WON_SQL = """
INSERT INTO sales_deal (tenant_id, name, pipeline_id, stage_id, owner_id, amount, currency,
  expected_close_date, probability, source, lost_reason, next_step, tags, stage_entered_at,
  closed_at, created_at, updated_at, deleted_at, custom_fields)
SELECT {tenant}, '受注 ' || i, {pipeline}, {won_stage},
  (ARRAY[{owners}])[1 + floor(random() * {n_owners})::int],
  round((100000 + random() * 9900000)::numeric, -3), 'JPY', current_date, NULL,
  '', '', '', ARRAY[]::varchar[], now(),
  date_trunc('month', now()) + random() * (now() - date_trunc('month', now())),
  now(), now(), NULL, '{{}}'::jsonb
FROM generate_series(1, {n}) AS i
"""


def activities_sql(tenant_id: int, owners: list[int], n: int) -> str | None:
    """An INSERT ... SELECT for the Activity table built from the model's own columns (the
    activities stream owns that model): our values where we have them, an empty value of
    the column's type for every other NOT NULL column, NULL for the rest."""
    try:
        from sales.activities.models import Activity
    except ImportError:
        return None
    from django.db import models

    ours = {
        "tenant": str(tenant_id),
        "kind": "(ARRAY['task','call','visit','meeting'])[1 + i % 4]",
        "subject": "'訪問 ' || i",
        "starts_at": "date_trunc('day', now()) + (i % 90 - 30) * interval '1 day'"
        " + (i % 10) * interval '1 hour'",
        "owner": f"(ARRAY[{','.join(map(str, owners))}])[1 + i % {len(owners)}]",
        "created_by": f"(ARRAY[{','.join(map(str, owners))}])[1 + i % {len(owners)}]",
        "all_day": "false",
        "duration_minutes": "60",
        "ends_at": "date_trunc('day', now()) + (i % 90 - 30) * interval '1 day'"
        " + (i % 10) * interval '1 hour' + interval '1 hour'",
    }
    columns, values = [], []
    for field in Activity._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.name in ours:
            values.append(ours[field.name])
        elif field.null:
            values.append("NULL")
        elif isinstance(field, models.DateTimeField):
            values.append("now()")
        elif isinstance(field, models.BooleanField):
            values.append("false")
        elif isinstance(field, models.IntegerField):
            values.append(str(field.default if isinstance(field.default, int) else 0))
        elif isinstance(field, models.JSONField):
            values.append("'{}'::jsonb")
        else:
            values.append("''")
    return (
        f"INSERT INTO {Activity._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(1, {n}) AS i"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--won", type=int, default=2_000)
    parser.add_argument(
        "--reps",
        type=int,
        default=4,
        help="reps owning the deals with the owner and the manager (4: ~17,000 open deals "
        "each, the worst case; 50: ~2,000 each)",
    )
    parser.add_argument("--activities", type=int, default=20_000)
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
    from crm.core.dashboards import all_widgets, widgets_for
    from crm.core.dashboards.models import Dashboard
    from crm.core.dashboards.selectors import widget_context
    from crm.core.models import Membership, Tenant, User
    from crm.core.roles import Role
    from crm.core.services.tenants import membership_add, tenant_create
    from sales.deals import services
    from sales.deals.models import Deal, Stage

    setup_test_environment()
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "deals": args.deals,
        "reps": args.reps,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        if not args.reuse:
            call_command("migrate", verbosity=0)
            owner = User.objects.create_user(email="bench-owner@example.com", password=None)
            tenant = tenant_create(name="Dashboard bench", owner=owner, slug="dashboard-bench")
            manager = User.objects.create_user(email="manager@example.com", password=None)
            reps = [
                User.objects.create_user(email=f"rep{i}@example.com", password=None)
                for i in range(args.reps)
            ]
            with tenant_context(tenant):
                lead = membership_add(tenant=tenant, user=manager, role=Role.MANAGER)
                for rep in reps:
                    membership_add(tenant=tenant, user=rep, role=Role.SALES)
                Membership.objects.filter(role=Role.SALES).update(manager=lead)
                pipeline = services.pipeline_default(tenant=tenant)
                stages = Stage.objects.filter(pipeline=pipeline).order_by("position")
                open_ids = [s.pk for s in stages if s.kind == "open"]
                won_stage = next(s.pk for s in stages if s.kind == "won")
                owner_ids = list(Membership.objects.values_list("user_id", flat=True))
                fmt = {
                    "tenant": tenant.pk,
                    "pipeline": pipeline.pk,
                    "stages": ",".join(map(str, open_ids)),
                    "n_stages": len(open_ids),
                    "owners": ",".join(map(str, owner_ids)),
                    "n_owners": len(owner_ids),
                    "won_stage": won_stage,
                }
                with connection.cursor() as cursor:
                    cursor.execute("SELECT setseed(0.42)")
                    started = time.perf_counter()
                    cursor.execute(DEALS_SQL.format(n=args.deals, **fmt))
                    cursor.execute(WON_SQL.format(n=args.won, **fmt))
                    result["seed_deals_seconds"] = round(time.perf_counter() - started, 1)
                    activity_sql = activities_sql(tenant.pk, owner_ids, args.activities)
                    if activity_sql and args.activities:
                        started = time.perf_counter()
                        cursor.execute(activity_sql)
                        result["seed_activities_seconds"] = round(time.perf_counter() - started, 1)
                        result["activities"] = args.activities
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE sales_deal")
                if activities_sql(0, [0], 1):
                    cursor.execute("VACUUM ANALYZE sales_activity")
        tenant = Tenant.objects.get(slug="dashboard-bench")
        rep = User.objects.get(email="rep0@example.com")
        with tenant_context(tenant):
            membership = Membership.objects.get(user=rep)
            result["open_deals"] = Deal.objects.filter(stage__kind="open", deleted_at=None).count()
            result["rep_open_deals"] = Deal.objects.filter(
                owner=rep, stage__kind="open", deleted_at=None
            ).count()
        ctx = widget_context(tenant=tenant, user=rep, membership=membership, role=Role.SALES)

        def baseline_once() -> float:
            with tenant_context(tenant):
                started = time.perf_counter()
                rows = list(
                    Deal.objects.filter(tenant=tenant, owner=rep, deleted_at=None).order_by("-id")[
                        :20
                    ]
                )
                took = time.perf_counter() - started
            assert rows
            return took

        widget_times: dict[str, list[float]] = {}
        widget_queries: dict[str, int] = {}
        widget_errors: dict[str, str] = {}
        baseline: list[float] = []
        for widget in widgets_for(Role.SALES):
            with tenant_context(tenant):
                try:
                    widget.data(ctx)  # warm
                except Exception as exc:  # noqa: BLE001 - reported, not fatal
                    widget_errors[widget.key] = repr(exc)
                    continue
                with CaptureQueriesContext(connection) as captured:
                    widget.data(ctx)
                widget_queries[widget.key] = len(captured.captured_queries)
            widget_times[widget.key] = []
            for _ in range(args.repeat):
                with tenant_context(tenant):
                    started = time.perf_counter()
                    widget.data(ctx)
                    widget_times[widget.key].append(time.perf_counter() - started)
                baseline.append(baseline_once())
        result["registered_widgets"] = [w.key for w in all_widgets()]
        result["baseline_owner_limit_20"] = summary(baseline)
        result["widgets"] = {
            key: {**summary(t), "queries": widget_queries[key]} for key, t in widget_times.items()
        }
        result["widget_errors"] = widget_errors
        base_p95 = max(result["baseline_owner_limit_20"]["p95_ms"], 0.01)
        result["ratio_p95_widget_over_baseline"] = {
            key: round(row["p95_ms"] / base_p95, 1) for key, row in result["widgets"].items()
        }

        client = Client()
        client.force_login(rep)
        client.get("/")  # first visit: creates the rep's default dashboard
        with tenant_context(tenant):
            layout = Dashboard.objects.get(owner=rep, is_default=True).layout
        # Every widget the rep may use, so the page run covers all of them.
        all_keys = [{"key": w.key, "size": w.size} for w in widgets_for(Role.SALES)]
        with tenant_context(tenant):
            Dashboard.objects.filter(owner=rep, is_default=True).update(layout=all_keys)
        result["default_layout"] = [i["key"] for i in layout]
        urls = [f"/dashboards/widgets/{i['key']}/data/" for i in all_keys]
        page_times: list[float] = []
        visit_times: list[float] = []
        call_times: dict[str, list[float]] = {u: [] for u in urls}
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get("/")
            page_times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"/ answered {response.status_code}")
            for url in urls:
                call_started = time.perf_counter()
                answer = client.get(url)
                call_times[url].append(time.perf_counter() - call_started)
                if answer.status_code != 200:
                    widget_errors[url] = f"HTTP {answer.status_code}"
            visit_times.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as captured:
            client.get("/")
        result["page_queries"] = len(captured.captured_queries)
        result["page"] = summary(page_times)
        result["page_plus_all_widget_calls"] = summary(visit_times)
        result["widget_calls"] = {u: summary(t) for u, t in call_times.items()}
        result["ratio_p95_page_over_baseline"] = round(result["page"]["p95_ms"] / base_p95, 1)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin.close()
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    def line(name: str, row: dict[str, Any], extra: str = "") -> None:
        print(f"{name:52} p50 {row['p50_ms']:7.1f}  p95 {row['p95_ms']:7.1f} ms{extra}")

    line("baseline (owner LIMIT 20)", result["baseline_owner_limit_20"])
    for key, row in result["widgets"].items():
        line(f"widget {key}", row, f"  {row['queries']} queries")
    for url, row in result["widget_calls"].items():
        line(f"GET {url}", row)
    line("page /", result["page"], f"  {result['page_queries']} queries")
    line("page + all widget calls", result["page_plus_all_widget_calls"])
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
