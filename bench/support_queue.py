"""The agent's queue and a ticket's page with 1,000,000 tickets in one tenant, against a
primary-key fetch in the same run.

    source <(grep export /tmp/services.out)
    DEBUG=1 .venv/bin/python bench/support_queue.py --tickets 1000000

Shares the scratch database of bench/support_insights.py (`crm_bench_support`, kept; the
first run seeds it with `support.insights.demo.seed_bulk_tickets`, ~2 messages per ticket).
Times, p50/p95 over --repeat runs, server time:
1. in-process, through support.tickets.selectors.ticket_queue for an agent (the contact
   joined, as the page asks): the views mine,
   unassigned, breaching and open, each on its first page and on a deep keyset page (the
   page after the 2,000th row), and each with a filter (channel + category); the capped
   tab counts (queue_counts); a ticket's page (access_ticket + ticket_detail);
2. through Django's test client as the logged-in agent: GET /support/?view=… (first and
   deep page, and filtered) and GET /support/tickets/<id>/, with DEBUG off and templates
   rendered as a server renders them. `--instrumented` renders them as the test runner does
   (setup_test_environment: every template render, each `{% include %}` of a row too, sends
   a signal and copies its context), as the earlier figures in docs/benchmarks.md were.
Baseline in the same run: `Ticket.objects.get(tenant=…, pk=…)` (a primary-key fetch).
Prints one JSON object on its last line. Goal: every figure < 50 ms p95.
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
from bench.support_insights import open_database, prepare, timed  # noqa: E402

VIEWS = ("mine", "unassigned", "breaching", "open")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the database")
    parser.add_argument(
        "--instrumented",
        action="store_true",
        help="render templates as the test runner does (signals and context copies)",
    )
    args = parser.parse_args()
    open_database(fresh=args.fresh)

    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    from crm.core.context import tenant_context
    from crm.core.models import Membership, User
    from support.tickets import selectors
    from support.tickets.models import Ticket, TicketCategory

    if args.instrumented:
        setup_test_environment()  # also sets DEBUG off
    else:
        settings.DEBUG = False  # DEBUG=1 on the command line only stands in for SECRET_KEY
    result: dict[str, Any] = {
        "template_instrumentation": args.instrumented,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    env = prepare(tickets=args.tickets, agents=args.agents)
    tenant = env["tenant"]
    result.update(env["info"])
    agent = User.objects.get(pk=env["agents"][0])
    with tenant_context(tenant):
        membership = Membership.objects.get(tenant=tenant, user=agent)
        category = TicketCategory.objects.filter(tenant=tenant, parent__isnull=True).first()
        # A ticket with a conversation and a contact (the page's worst ordinary case).
        ticket = (
            Ticket.objects.filter(
                tenant=tenant, contact__isnull=False, first_response_at__isnull=False
            )
            .order_by("-id")
            .first()
        )
        assert ticket is not None
        result["agent_active_tickets"] = selectors.view_queryset(
            tenant=tenant, membership=membership, view="mine"
        ).count()
        result["open_tickets"] = selectors.view_queryset(
            tenant=tenant, membership=membership, view="open"
        ).count()

        def baseline() -> None:
            Ticket.objects.get(tenant=tenant, pk=ticket.pk)

        base, _ = timed(baseline, args.repeat)
        result["baseline_pk_fetch"] = base
        no_filter = selectors.queue_filters(params={})
        filtered = selectors.queue_filters(
            params={"channel": "email", "category": str(category.pk) if category else ""}
        )
        deep_after: dict[str, int | None] = {}
        for view in VIEWS:
            ids = list(
                selectors.view_queryset(tenant=tenant, membership=membership, view=view)
                .order_by("-id")
                .values_list("id", flat=True)[2000:2001]
            )
            deep_after[view] = ids[0] if ids else None
        selector_figures: dict[str, Any] = {}

        def record(name: str, fn: Any) -> None:
            stats, queries = timed(fn, args.repeat)
            selector_figures[name] = {
                **stats,
                "queries": queries,
                "ratio_p95": round(stats["p95_ms"] / max(base["p95_ms"], 0.01), 1),
            }

        for view in VIEWS:
            for label, filters, after in (
                ("first", no_filter, None),
                ("deep", no_filter, deep_after[view]),
                ("filtered", filtered, None),
            ):
                record(
                    f"{view}/{label}",
                    lambda v=view, f=filters, a=after: selectors.ticket_queue(
                        tenant=tenant,
                        membership=membership,
                        view=v,
                        filters=f,
                        after=a,
                        joins=("contact",),  # as the queue page asks
                    ),
                )
        record("tab counts", lambda: selectors.queue_counts(tenant=tenant, membership=membership))

        def detail() -> None:
            found = selectors.access_ticket(
                tenant=tenant, membership=membership, ticket_id=ticket.pk
            )
            selectors.ticket_detail(tenant=tenant, membership=membership, ticket=found)

        record("ticket detail", detail)
        result["selectors"] = selector_figures
        result["deep_after"] = deep_after

    client = Client()
    client.force_login(agent)
    http: dict[str, Any] = {}
    urls = {f"/support/?view={v}": f"{v}/first" for v in VIEWS}
    for view in VIEWS:
        if deep_after[view]:
            urls[f"/support/?view={view}&after={deep_after[view]}"] = f"{view}/deep"
    if category:
        urls[f"/support/?view=open&channel=email&category={category.pk}"] = "open/filtered"
    urls[f"/support/tickets/{ticket.pk}/"] = "ticket detail"
    for url, name in urls.items():

        def get(u: str = url) -> None:
            response = client.get(u)
            assert response.status_code == 200, (u, response.status_code)

        stats, queries = timed(get, args.repeat)
        http[name] = {
            **stats,
            "queries": queries,
            "ratio_p95": round(stats["p95_ms"] / max(base["p95_ms"], 0.01), 1),
        }
    result["http"] = http
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"baseline pk fetch: p50 {base['p50_ms']} ms, p95 {base['p95_ms']} ms")
    print("what                       p50 ms   p95 ms  queries  ×pk")
    for group, figures in (("selector", selector_figures), ("http", http)):
        for name, s in figures.items():
            print(
                f"{group:8} {name:18} {s['p50_ms']:8} {s['p95_ms']:8} {s['queries']:8} "
                f"{s['ratio_p95']:6}"
            )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
