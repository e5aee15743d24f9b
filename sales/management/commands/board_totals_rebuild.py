"""python manage.py board_totals_rebuild [--tenant SLUG]

Recomputes the deal board's per-stage totals (StageTotals) from the deals, set-based: a
repair should they ever disagree with the deals (they are kept by triggers in every write's
transaction, so this is not a routine job). Without --tenant, every tenant, one transaction
each. Safe while people work: writes wait for the tenant's rows a moment and count on top.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from crm.core.context import tenant_context
from crm.core.models import Tenant
from sales.deals.services import board_totals_rebuild


class Command(BaseCommand):
    help = "Recompute the deal board's per-stage totals from the deals (repair)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", help="the tenant's slug (default: every tenant)")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Tenant.objects.order_by("id")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"no tenant with slug {options['tenant']!r}")
        for tenant in tenants:
            with tenant_context(tenant):
                rows = board_totals_rebuild(tenant=tenant)
            self.stdout.write(f"{tenant.slug}: {rows} stage totals recomputed")
