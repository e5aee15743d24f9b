"""python manage.py support_similar_rebuild --tenant SLUG

Rebuilds the tenant's similar-inquiries index (each ticket's tokens and the per-token
counts) set-based: tickets read in id batches, COPYed into a staging table, one INSERT …
ON CONFLICT and one INSERT … SELECT … GROUP BY. For tickets loaded in bulk without the
ticket services (imports, seeding) or after a change to the tokenizer."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from crm.core.context import tenant_context
from crm.core.models import Tenant
from support.replies.services import similar_rebuild


class Command(BaseCommand):
    help = "Rebuild a tenant's similar-inquiries index."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", required=True, help="the tenant's slug")
        parser.add_argument("--batch", type=int, default=5000, help="tickets per COPY batch")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tenant = Tenant.objects.get(slug=options["tenant"])
        except Tenant.DoesNotExist:
            raise CommandError(f"no tenant with slug {options['tenant']!r}") from None
        started = time.monotonic()
        with tenant_context(tenant):
            count = similar_rebuild(tenant=tenant, batch=max(100, int(options["batch"])))
        self.stdout.write(
            f"indexed {count} tickets of {tenant.slug} in {time.monotonic() - started:.1f} s"
        )
