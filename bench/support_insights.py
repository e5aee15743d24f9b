"""A year of support analytics over 1,000,000 tickets, against a plain count(*) in the same run.

    source <(grep export /tmp/services.out)   # or let DATABASE_URL point at your server
    DEBUG=1 .venv/bin/python bench/support_insights.py --tickets 1000000

1. Uses a scratch database on the same server (`crm_bench_support`, kept for reruns; --fresh
   drops and rebuilds it), migrated from this tree, with one tenant (`support-bench`): an
   owner, a manager, --agents support agents and 20,000 demo contacts; then --tickets demo
   tickets with `support.insights.demo.seed_bulk_tickets` (what `seed_demo --tickets N`
   runs: one set-based INSERT … SELECT generate_series for the tickets, one per message
   kind, one for CSAT), timed. A kept database with enough tickets is reused as it is.
2. Rebuilds the analytics rollup (support.insights.rollup: every closed day), timed, with
   the rows it wrote; then the nightly refresh (one day: the beat's work after midnight)
   and a refresh with nothing to do, timed. --no-rollup skips this and times the sections
   live (the rollup is not used while its zone is not the tenant's).
3. Times each analytics section's selector in-process over the last 365 days (server time
   without HTTP), p50/p95 over --repeat runs, with the query count; then one filtered run
   (a channel and a category). Baseline in the same run: `SELECT count(*) FROM
   support_ticket WHERE tenant_id = … AND created_at >= <a year ago>`.
   Each section is also computed once live and compared with the rollup's answer
   (counts equal; the largest difference of a median / p90 in hours).
4. Times the whole page as a browser loads it through Django's test client, logged in as
   the manager: GET /support/insights/?start=…&end=… and the seven JSON calls it makes.
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

DB_NAME = "crm_bench_support"
SLUG = "support-bench"


def open_database(*, fresh: bool, name: str = DB_NAME) -> None:
    """Creates (or reuses) the scratch database and points Django at it."""
    import psycopg

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    base_url = os.environ.get("DATABASE_URL", "postgresql://crm@localhost:5432/crm")
    with psycopg.connect(base_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            admin.execute(f"DROP DATABASE {name}")
            exists = None
        if not exists:
            admin.execute(f"CREATE DATABASE {name}")
    os.environ["CRM_DB_NAME"] = name
    import django

    django.setup()


def repair_schema() -> list[str]:
    """A kept scratch database may have applied a part's reserved migration while it was
    still empty (the parts of support land one by one): create what the models now say is
    missing — tables, columns, indexes, and the RunSQL indexes of 0009 — so a rerun measures
    the tree as it is. Returns what it added."""
    from django.apps import apps
    from django.db import connection

    added: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {r[0] for r in cursor.fetchall()}
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        indexes = {r[0] for r in cursor.fetchall()}
    models = [m for m in apps.get_app_config("support").get_models() if m._meta.managed]
    with connection.schema_editor() as editor:
        for model in models:
            table = model._meta.db_table
            if table not in tables:
                editor.create_model(model)
                added.append(table)
                continue
            with connection.cursor() as cursor:
                columns = {
                    c.name for c in connection.introspection.get_table_description(cursor, table)
                }
            for f in model._meta.local_concrete_fields:
                if f.column not in columns:
                    editor.add_field(model, f)
                    added.append(f"{table}.{f.column}")
            for index in model._meta.indexes:
                if index.name not in indexes:
                    editor.add_index(model, index)
                    added.append(index.name)
    import importlib

    insights = importlib.import_module("support.migrations.0009_insights")
    with connection.cursor() as cursor:
        for name, definition in insights.INDEXES.items():
            if name not in indexes:
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")
                added.append(name)
    if added:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE support_ticket")
            cursor.execute("VACUUM ANALYZE support_slarecord")
    return added


def prepare(*, tickets: int, agents: int) -> dict[str, Any]:
    """Migrates, makes the tenant and its people, seeds up to `tickets` tickets. Returns
    the tenant, the manager, the agents and the seeding figures."""
    from django.core.management import call_command

    from contacts.demo import seed_contacts
    from crm.core.context import tenant_context
    from crm.core.models import Membership, Tenant, User
    from crm.core.roles import Role
    from crm.core.services.tenants import membership_add, tenant_create
    from support.insights.demo import seed_bulk_tickets
    from support.tickets.models import Ticket

    started = time.perf_counter()
    call_command("migrate", verbosity=0, skip_checks=True)
    info: dict[str, Any] = {"migrate_s": round(time.perf_counter() - started, 1)}
    info["schema_repaired"] = repair_schema()
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        owner = User.objects.create_user(email="bench-owner@example.com", password=None)
        tenant = tenant_create(name="Support bench", owner=owner, slug=SLUG)
        manager = User.objects.create_user(email="bench-manager@example.com", password=None)
        membership_add(tenant=tenant, user=manager, role=Role.MANAGER)
        for i in range(agents):
            user = User.objects.create_user(email=f"bench-agent{i}@example.com", password=None)
            membership_add(tenant=tenant, user=user, role=Role.SUPPORT)
        with tenant_context(tenant):
            seed_contacts(tenant=tenant, contacts=20_000)
    with tenant_context(tenant):
        have = Ticket.objects.filter(tenant=tenant).count()
        if have < tickets:
            started = time.perf_counter()
            seed_bulk_tickets(tenant=tenant, count=tickets - have)
            info["seeded_tickets"] = tickets - have
            info["seed_s"] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            from django.db import connection

            with connection.cursor() as cursor:
                for table in ("support_ticket", "support_ticketmessage", "support_csatrequest"):
                    cursor.execute(f"VACUUM ANALYZE {table}")
            info["analyze_s"] = round(time.perf_counter() - started, 1)
        from support.insights.demo import seed_sla_records
        from support.sla.models import SlaRecord

        if not SlaRecord.objects.filter(tenant=tenant).exists():  # seeded before they were
            started = time.perf_counter()
            seed_sla_records(tenant=tenant, first=1, last=10**12)
            info["sla_records_s"] = round(time.perf_counter() - started, 1)
        info["tickets"] = Ticket.objects.filter(tenant=tenant).count()
        manager = Membership.objects.filter(tenant=tenant, role=Role.MANAGER).first().user  # type: ignore[union-attr]
        agent_ids = list(
            Membership.objects.filter(tenant=tenant, role=Role.SUPPORT)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
    return {"tenant": tenant, "manager": manager, "agents": agent_ids, "info": info}


def build_rollup(tenant: Any) -> dict[str, Any]:
    """The full rebuild, the nightly one-day refresh and an idle refresh, timed."""
    import datetime as dt

    from django.db import connection

    from support.insights.models import InsightsRollupState
    from support.insights.rollup import rollup_refresh
    from support.insights.selectors import tenant_today

    out: dict[str, Any] = {}
    started = time.perf_counter()
    result = rollup_refresh(tenant=tenant, full=True)
    out["full_refresh_s"] = round(time.perf_counter() - started, 2)
    out["days"] = result.days
    with connection.cursor() as cursor:
        for table in ("support_insights_day", "support_insights_duration"):
            cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s", [tenant.pk])
            out[f"rows_{table}"] = cursor.fetchone()[0]
    nightly = []
    for _ in range(3):
        InsightsRollupState.objects.filter(tenant=tenant).update(
            rolled_until=tenant_today(tenant) - dt.timedelta(days=1)
        )
        started = time.perf_counter()
        days = rollup_refresh(tenant=tenant).days
        nightly.append(round((time.perf_counter() - started) * 1000, 1))
        assert days == 1, days
    out["nightly_one_day_refresh_ms"] = nightly
    started = time.perf_counter()
    rollup_refresh(tenant=tenant)
    out["idle_refresh_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return out


def compare_live(tenant: Any, filters: Any) -> dict[str, Any]:
    """Each section once from the rollup and once live: counts must be equal; the largest
    difference of a median / p90 (hours)."""
    from support.insights import selectors
    from support.insights.models import InsightsRollupState

    def walk(a: Any, b: Any, path: str, diffs: list[tuple[float, str]]) -> None:
        if isinstance(b, dict):
            for key in b:
                walk(a.get(key), b[key], f"{path}.{key}", diffs)
        elif isinstance(b, list):
            if len(a) != len(b):
                diffs.append((float("inf"), f"{path} length {len(a)} != {len(b)}"))
                return
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, f"{path}[{i}]", diffs)
        elif path.endswith("_hours") and a is not None and b is not None:
            diffs.append((abs(a - b), f"{path} {a} vs {b}"))
        elif a != b:
            diffs.append((float("inf"), f"{path} {a!r} != {b!r}"))

    out: dict[str, Any] = {}
    for section in selectors.SECTIONS:
        if section == "long_running":
            continue
        rolled = selectors.insights_section(tenant=tenant, filters=filters, section=section)
        state = InsightsRollupState.objects.get(tenant=tenant)
        InsightsRollupState.objects.filter(tenant=tenant).update(zone="Etc/Unused")
        try:
            exact = selectors.insights_section(tenant=tenant, filters=filters, section=section)
        finally:
            InsightsRollupState.objects.filter(tenant=tenant).update(zone=state.zone)
        diffs: list[tuple[float, str]] = []
        walk(rolled, exact, section, diffs)
        hours = [d for d in diffs if d[0] != float("inf")]
        out[section] = {
            "mismatches": [text for d, text in diffs if d == float("inf")][:5],
            "max_hours_diff": round(max((d for d, _ in hours), default=0.0), 3),
            "worst": max(hours)[1] if hours else "",
        }
    return out


def timed(fn: Any, repeat: int) -> tuple[dict[str, Any], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        fn()
    return summary(times), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--no-rollup", action="store_true", help="time the live SQL only")
    parser.add_argument("--db", default=DB_NAME, help="scratch database (default %(default)s)")
    args = parser.parse_args()
    open_database(fresh=args.fresh, name=args.db)

    import datetime as dt

    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from crm.core.context import tenant_context
    from support.insights import selectors
    from support.tickets.models import TicketCategory

    setup_test_environment()
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    env = prepare(tickets=args.tickets, agents=args.agents)
    tenant = env["tenant"]
    result.update(env["info"])
    today = selectors.tenant_today(tenant)
    year = selectors.InsightsFilters(start=today - dt.timedelta(days=365), end=today)
    with tenant_context(tenant):
        from support.insights.models import InsightsRollupState

        if args.no_rollup:
            InsightsRollupState.objects.filter(tenant=tenant).update(zone="Etc/Unused")
        else:
            result["load_average_before_rollup"] = [round(x, 2) for x in os.getloadavg()]
            result["rollup"] = build_rollup(tenant)
            result["load_average_after_rollup"] = [round(x, 2) for x in os.getloadavg()]
        start_at = dt.datetime.combine(year.start, dt.time.min, selectors.tenant_zone(tenant))

        def baseline() -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM support_ticket WHERE tenant_id = %s AND created_at >= %s",
                    [tenant.pk, start_at],
                )
                cursor.fetchone()

        base, _ = timed(baseline, args.repeat)
        result["baseline_count_year"] = base
        sections: dict[str, Any] = {}
        for section in selectors.SECTIONS:
            stats, queries = timed(
                lambda s=section: selectors.insights_section(
                    tenant=tenant, filters=year, section=s
                ),
                args.repeat,
            )
            sections[section] = {
                **stats,
                "queries": queries,
                "ratio_p95": round(stats["p95_ms"] / max(base["p95_ms"], 0.01), 1),
            }
        result["sections_year"] = sections
        category = TicketCategory.objects.filter(tenant=tenant, parent__isnull=True).first()
        filtered = selectors.InsightsFilters(
            start=year.start,
            end=year.end,
            channel="email",
            category_id=category.pk if category else None,
        )
        filtered_sections: dict[str, Any] = {}
        for section in selectors.SECTIONS:
            stats, _ = timed(
                lambda s=section: selectors.insights_section(
                    tenant=tenant, filters=filtered, section=s
                ),
                max(3, args.repeat // 2),
            )
            filtered_sections[section] = stats["p95_ms"]
        result["sections_year_filtered_p95_ms"] = filtered_sections
        if not args.no_rollup:
            result["rollup_vs_live_year"] = compare_live(tenant, year)
            result["rollup_vs_live_year_filtered"] = compare_live(tenant, filtered)

    client = Client()
    client.force_login(env["manager"])
    query = f"start={year.start.isoformat()}&end={year.end.isoformat()}"

    def page() -> None:
        response = client.get(f"/support/insights/?{query}")
        assert response.status_code == 200, response.status_code

    def whole() -> None:
        page()
        for section in selectors.SECTIONS:
            response = client.get(f"/support/insights/data/?section={section}&{query}")
            assert response.status_code == 200, (section, response.status_code)

    page_stats, _ = timed(page, args.repeat)
    whole_stats, _ = timed(whole, max(3, args.repeat // 2))
    result["page_http"] = page_stats
    result["page_and_all_sections_http"] = {
        **whole_stats,
        "ratio_p95": round(whole_stats["p95_ms"] / max(base["p95_ms"], 0.01), 1),
    }
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print("section           p50 ms   p95 ms  queries  ×count(*)")
    print(f"{'count(*) year':16} {base['p50_ms']:8} {base['p95_ms']:8}")
    for name, s in sections.items():
        print(f"{name:16} {s['p50_ms']:8} {s['p95_ms']:8} {s['queries']:8} {s['ratio_p95']:9}")
    print(f"page + 7 JSON over HTTP: p95 {whole_stats['p95_ms']} ms")
    if "rollup" in result:
        print("rollup:", json.dumps(result["rollup"]))
        for name, cmp in result["rollup_vs_live_year"].items():
            print(f"  vs live {name:10} {cmp}")
        for name, cmp in result["rollup_vs_live_year_filtered"].items():
            print(f"  vs live filtered {name:10} {cmp}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
