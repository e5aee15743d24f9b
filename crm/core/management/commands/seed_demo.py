from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from crm.core.context import tenant_context
from crm.core.demo import run_seeders
from crm.core.models import Tenant


class Command(BaseCommand):
    help = "Fill a tenant with realistic Japanese demo data (each app adds its part)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--contacts", type=int, default=200)
        parser.add_argument(
            "--deals",
            type=int,
            default=None,
            help="add this many deals set-based (without it: a couple of dozen demo deals "
            "into a tenant that has none)",
        )
        parser.add_argument(
            "--orders", type=int, default=None, help="add this many orders (1-3 lines each)"
        )
        parser.add_argument(
            "--tickets",
            type=int,
            default=None,
            help="add this many support inquiries over the past year (with messages)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        tenant = Tenant.objects.filter(slug=opts["tenant"]).first()
        if tenant is None:
            raise CommandError(f"no tenant with slug {opts['tenant']!r}")
        for name in ("contacts", "deals", "orders", "tickets"):
            if opts[name] is not None and opts[name] < 0:
                raise CommandError(f"--{name} cannot be negative")
        # One transaction per part, set-based: a million orders take minutes, say so first.
        self.stdout.write(
            f"seeding {tenant.slug}: {opts['contacts']} contacts"
            + (f", {opts['deals']} deals" if opts["deals"] is not None else "")
            + (f", {opts['orders']} orders" if opts["orders"] else "")
            + (f", {opts['tickets']} inquiries" if opts["tickets"] else "")
            + " …"
        )
        self.stdout.flush()
        started = time.perf_counter()
        try:
            with tenant_context(tenant):
                ran = run_seeders(
                    tenant=tenant,
                    contacts=opts["contacts"],
                    deals=opts["deals"],
                    orders=opts["orders"],
                    tickets=opts["tickets"],
                )
        except ValueError as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            f"seeded {tenant.slug}: {', '.join(ran) or 'nothing registered'}"
            f" in {time.perf_counter() - started:.1f} s"
        )
