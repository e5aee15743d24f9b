from __future__ import annotations

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

    def handle(self, *args: Any, **opts: Any) -> None:
        tenant = Tenant.objects.filter(slug=opts["tenant"]).first()
        if tenant is None:
            raise CommandError(f"no tenant with slug {opts['tenant']!r}")
        with tenant_context(tenant):
            ran = run_seeders(tenant=tenant, contacts=opts["contacts"])
        self.stdout.write(f"seeded {tenant.slug}: {', '.join(ran) or 'nothing registered'}")
