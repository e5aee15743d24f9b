"""Similar inquiries over N tickets in one tenant, against a plain LIMIT query in the same run.

    source <(grep export /tmp/services.out)   # or let DATABASE_URL point at your server
    DEBUG=1 .venv/bin/python bench/support_similar.py --tickets 1000000

1. A scratch database of its own (`crm_bench_similar`, kept for reruns; --fresh drops it),
   migrated from this tree, seeded like bench/support_insights.py (its `prepare`: the
   analytics demo tickets, set-based, ~20 Japanese subjects: the worst case for similarity,
   every token is common), then `support_similar_rebuild` for the tenant, timed.
2. Times `selectors.similar_tickets` (what the side panel and the API run) for new tickets
   with a common subject, a rare word, a long body and Latin text, p50/p95 over --repeat
   runs with its query count. Baseline in the same run: the tenant's five newest resolved
   tickets (`… WHERE status IN ('resolved','closed') ORDER BY id DESC LIMIT 5`).
3. Prints one JSON object on its last line.

With --shared it uses bench/support_insights.py's database (`crm_bench_support`) as it is,
because other benchmarks read it at the same time: no migrate, no seeding, never dropped
(--fresh is refused); it always times a `support_similar_rebuild` of the tenant (its
only write: the tenant's token sets and token counts), unless --no-rebuild.

    DEBUG=1 .venv/bin/python bench/support_similar.py --shared --repeat 20
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

DB_NAME = "crm_bench_similar"
SHARED_DB_NAME = "crm_bench_support"  # bench/support_insights.py's


def open_database(*, fresh: bool, shared: bool = False) -> str:
    import psycopg

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    base_url = os.environ.get("DATABASE_URL", "postgresql://crm@localhost:5432/crm")
    name = SHARED_DB_NAME if shared else DB_NAME
    with psycopg.connect(base_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if shared and not exists:
            raise SystemExit(f"--shared: database {name} does not exist (seed it first)")
        if exists and fresh and not shared:
            admin.execute(f"DROP DATABASE {name}")
            exists = None
        if not exists:
            admin.execute(f"CREATE DATABASE {name}")
    os.environ["CRM_DB_NAME"] = name
    import django

    django.setup()
    return name


def timed(fn: Any, repeat: int) -> tuple[dict[str, Any], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()
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
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument(
        "--shared",
        action="store_true",
        help=f"use {SHARED_DB_NAME} as it is (no migrate, no seeding, never dropped)",
    )
    parser.add_argument("--no-rebuild", action="store_true", help="with --shared: time reads only")
    args = parser.parse_args()
    if args.shared and args.fresh:
        parser.error("--fresh would drop a database other benchmarks use; not with --shared")
    database = open_database(fresh=args.fresh, shared=args.shared)

    from django.core.management import call_command
    from django.db import connection

    from bench.support_insights import SLUG, prepare
    from crm.core.context import tenant_context
    from support.replies import selectors
    from support.replies.models import TicketTokens
    from support.tickets.models import Ticket

    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    result["database"] = database
    if args.shared:
        from crm.core.models import Tenant

        tenant = Tenant.objects.get(slug=SLUG)
        with tenant_context(tenant):
            result["tickets"] = Ticket.objects.filter(tenant=tenant).count()
            result["done_tickets"] = Ticket.objects.filter(
                tenant=tenant, status__in=["resolved", "closed"]
            ).count()
    else:
        env = prepare(tickets=args.tickets, agents=4)
        tenant = env["tenant"]
        result.update(env["info"])
    with tenant_context(tenant):
        indexed = TicketTokens.objects.filter(tenant=tenant).count()
    result["indexed_before"] = indexed
    if (args.shared and not args.no_rebuild) or indexed < result["tickets"]:
        result["load_average_before_rebuild"] = [round(x, 2) for x in os.getloadavg()]
        started = time.perf_counter()
        call_command("support_similar_rebuild", "--tenant", SLUG)
        result["rebuild_s"] = round(time.perf_counter() - started, 1)
        result["load_average_after_rebuild"] = [round(x, 2) for x in os.getloadavg()]
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE support_tickettokens")
            cursor.execute("VACUUM ANALYZE support_similartokenstat")
    with tenant_context(tenant):
        result["done_indexed"] = TicketTokens.objects.filter(tenant=tenant, is_done=True).count()

        def baseline() -> None:
            list(
                Ticket.objects.filter(tenant=tenant, status__in=["resolved", "closed"])
                .order_by("-id")
                .values_list("id", "subject")[:5]
            )

        base, _ = timed(baseline, args.repeat)
        result["baseline_newest_5_resolved"] = base
        cases = {
            "common subject": ("届いた商品が破損していました", "箱を開けたら割れていました。"),
            "rare word": ("ゼフィルス社製ルーターの返品", "型番ZX-9000が初期不良でした"),
            "long body": (
                "請求書の再発行をお願いします",
                "先月分の請求金額が見積と異なります。インボイス番号の記載もありません。" * 30,
            ),
            "latin": ("Login error after password reset", "The app shows error 403 on sync"),
        }
        out: dict[str, Any] = {}
        for name, (subject, body) in cases.items():
            probe = Ticket(tenant=tenant, pk=0, number=0, subject=subject, body=body)
            stats, queries = timed(
                lambda p=probe: selectors.similar_tickets(tenant=tenant, ticket=p), args.repeat
            )
            found = selectors.similar_tickets(tenant=tenant, ticket=probe)
            out[name] = {
                **stats,
                "queries": queries,
                "ratio_p95": round(stats["p95_ms"] / max(base["p95_ms"], 0.01), 1),
                "top": found[0].ticket.subject if found else "",
            }
        result["similar_tickets"] = out
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
