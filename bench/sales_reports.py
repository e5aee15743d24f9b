"""Daily reports with N reports (reps x days) in one tenant, against a plain query in the same run.

    cd /work/main && source <(grep export /tmp/services.out)
    DEBUG=1 .venv/bin/python bench/sales_reports.py --reps 100 --days 1000

1. Scratch database `crm_bench_reports` (dropped at the end unless --keep), migrations, one
   tenant with an owner, a manager and R reps (10 of them report to the manager); R x D
   submitted reports seeded by ONE INSERT ... SELECT generate_series (texts with a few
   Japanese words, one rare word in 1 of 5,000 reports), 3 comments on 1 report in 10.
2. Times in-process: the search selector's first page (no words; a common word; a rare
   word; one author; a date range), the team day and team week of the manager, the widget,
   and a 1-year CSV export of one rep. Baseline: `SELECT ... ORDER BY date DESC, id DESC
   LIMIT 31` on the tenant (what a first page costs with no filter and no marks).
3. Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "crm_bench_reports"

SEED_SQL = """
INSERT INTO sales_dailyreport (tenant_id, author_id, date, did, results, issues, plan_tomorrow,
  minutes_spent, status, submitted_at, pulled_items, created_at, updated_at)
SELECT %(tenant)s, a.user_id, d.day,
  '訪問 ' || (g % 7) || '件、電話 ' || (g % 11) || '件。' ||
    (ARRAY['東海精機','山田工業','佐藤商事','北陸電子','関西物産'])[1 + g % 5] || '様に提案。' ||
    CASE WHEN g % 5000 = 0 THEN ' 希少語ゼフィルス' ELSE '' END,
  '見積 ' || (g % 3) || '件', CASE WHEN g % 4 = 0 THEN '納期の調整' ELSE '' END,
  '明日は ' || (ARRAY['東海精機','山田工業','佐藤商事'])[1 + g % 3] || ' 訪問',
  420 + g % 120, 'submitted', d.day + time '18:00', '[]'::jsonb, now(), now()
FROM (SELECT user_id, row_number() OVER (ORDER BY user_id) AS n
      FROM core_membership WHERE tenant_id = %(tenant)s AND role = 'sales') a
CROSS JOIN (SELECT (date '%(today)s' - i) AS day, i FROM generate_series(0, %(days)s - 1) i) d
CROSS JOIN LATERAL (SELECT (a.n * 100003 + d.i)::bigint AS g) x
"""
COMMENTS_SQL = """
INSERT INTO sales_dailyreportcomment (tenant_id, report_id, author_id, body, created_at)
SELECT r.tenant_id, r.id, %(manager)s, 'コメント ' || k, now()
FROM sales_dailyreport r CROSS JOIN generate_series(1, 3) k
WHERE r.tenant_id = %(tenant)s AND r.id % 10 = 0
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(percentile(times, 95) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--days", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    import psycopg

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    base_url = os.environ.get("DATABASE_URL", "postgresql://crm@localhost:5432/crm")
    admin = psycopg.connect(base_url, autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
    admin.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["CRM_DB_NAME"] = DB_NAME
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from crm.core.context import tenant_context
    from crm.core.dashboards import WidgetContext, get_widget
    from crm.core.models import Membership, User
    from crm.core.roles import Role
    from crm.core.services.tenants import membership_add, tenant_create
    from sales.reports import selectors, services
    from sales.reports.models import DailyReport

    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "reports": args.reps * args.days,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        translation.activate("ja")
        call_command("migrate", verbosity=0)
        owner = User.objects.create_user(email="bench-owner@example.com", password=None)
        tenant = tenant_create(name="Reports bench", owner=owner, slug="reports-bench")
        manager = User.objects.create_user(email="bench-manager@example.com", password=None)
        with tenant_context(tenant):
            boss = membership_add(tenant=tenant, user=manager, role=Role.MANAGER)
            reps = [
                User.objects.create_user(email=f"rep{i}@example.com", password=None)
                for i in range(args.reps)
            ]
            for i, rep in enumerate(reps):
                membership = membership_add(tenant=tenant, user=rep, role=Role.SALES)
                if i < 10:
                    Membership.objects.filter(pk=membership.pk).update(manager=boss)
            boss = Membership.objects.get(pk=boss.pk)
            today = services.tenant_today(tenant)
            with connection.cursor() as cursor:
                started = time.perf_counter()
                cursor.execute(
                    SEED_SQL.replace("%(tenant)s", str(tenant.pk))
                    .replace("%(today)s", today.isoformat())
                    .replace("%(days)s", str(args.days))
                )
                cursor.execute(
                    COMMENTS_SQL.replace("%(tenant)s", str(tenant.pk))
                    .replace("%(manager)s", str(manager.pk))
                    .replace("%%", "%")
                )
                result["seed_seconds"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE sales_dailyreport")
            cursor.execute("VACUUM ANALYZE sales_dailyreportcomment")
        with tenant_context(tenant):
            admin_membership = Membership.objects.get(tenant=tenant, user=owner)
        rep0 = reps[0]

        def timed(fn: Any) -> dict[str, float]:
            fn()
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                fn()
                times.append(time.perf_counter() - started)
            return summary(times)

        with tenant_context(tenant):

            def search(**params: str) -> Any:
                def run() -> list[Any]:
                    filters = selectors.report_filters(params=params)
                    qs = selectors.report_search(
                        tenant=tenant, membership=admin_membership, filters=filters
                    )
                    return selectors.page_of(qs, "")[0]

                return run

            cases = {
                "no filter": search(),
                "q common (佐藤商事)": search(q="佐藤商事"),
                "q rare (1 in 5000)": search(q="希少語ゼフィルス"),
                "one author": search(author=str(rep0.pk)),
                "one week": search(
                    date_from=(today - dt.timedelta(days=6)).isoformat(),
                    date_to=today.isoformat(),
                ),
            }
            result["search_first_page"] = {name: timed(fn) for name, fn in cases.items()}
            result["baseline_limit_31"] = timed(
                lambda: list(
                    DailyReport.objects.filter(tenant=tenant).order_by("-date", "-id")[:31]
                )
            )
            result["team_day"] = timed(
                lambda: selectors.team_day(tenant=tenant, membership=boss, day=today)
            )
            result["team_week"] = timed(
                lambda: selectors.team_week(
                    tenant=tenant, membership=boss, start=selectors.week_start(today)
                )
            )
            widget = get_widget("sales.recent_daily_reports")
            assert widget is not None
            ctx = WidgetContext(tenant=tenant, user=manager, membership=boss, role="manager")
            result["widget"] = timed(lambda: widget.data(ctx))
            with CaptureQueriesContext(connection) as captured:
                widget.data(ctx)
            result["widget_queries"] = len(captured.captured_queries)

            def export_year() -> int:
                filters = selectors.report_filters(
                    params={
                        "author": str(rep0.pk),
                        "date_from": (today - dt.timedelta(days=364)).isoformat(),
                    }
                )
                from sales.reports.views import export_rows

                class FakeRequest:
                    pass

                request = FakeRequest()
                request.tenant = tenant  # type: ignore[attr-defined]
                request.membership = admin_membership  # type: ignore[attr-defined]
                return sum(1 for _ in export_rows(request, filters))  # type: ignore[arg-type]

            result["csv_one_rep_one_year_rows"] = export_year() - 1
            result["csv_one_rep_one_year"] = timed(export_year)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin.close()
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    base = result["baseline_limit_31"]["p50_ms"] or 0.01
    for name, row in result["search_first_page"].items():
        print(
            f"search {name:22} p50 {row['p50_ms']:8.1f} ms  p95 {row['p95_ms']:8.1f} ms"
            f"  x{row['p50_ms'] / base:6.1f} baseline"
        )
    print(f"baseline LIMIT 31            p50 {base:8.1f} ms")
    for name in ("team_day", "team_week", "widget", "csv_one_rep_one_year"):
        row = result[name]
        print(f"{name:28} p50 {row['p50_ms']:8.1f} ms  p95 {row['p95_ms']:8.1f} ms")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
