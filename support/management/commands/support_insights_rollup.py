"""python manage.py support_insights_rollup [--tenant SLUG] [--full]

Rolls up the support analytics of a tenant (or of every tenant): the closed days not rolled
up yet and the dirty ones, or with --full every day again (after a restore, which replays
rows without firing the triggers that mark days dirty). The same service beat runs every
10 minutes (support.insights.tasks)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from crm.core.context import tenant_context
from crm.core.models import Tenant
from support.insights.rollup import rollup_refresh


class Command(BaseCommand):
    help = "Roll up the support analytics of one tenant or every tenant."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", help="the tenant's slug (default: every tenant)")
        parser.add_argument("--full", action="store_true", help="rebuild every day")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Tenant.objects.order_by("id")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"no tenant with slug {options['tenant']!r}")
        for tenant in tenants:
            with tenant_context(tenant):
                result = rollup_refresh(tenant=tenant, full=options["full"])
            what = "rebuilt" if result.full else "refreshed"
            self.stdout.write(f"{tenant.slug}: {what} {result.days} days in {result.seconds:.1f} s")
