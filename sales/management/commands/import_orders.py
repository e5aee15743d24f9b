"""python manage.py import_orders --tenant SLUG FILE [--create-customers]

Prints what happened, then one JSON object alone on the last line:
{"rows", "orders", "lines", "created_customers", "rejected", "warnings"} (integers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from contacts.importers.readers import ImportFileError
from crm.core.context import tenant_context
from crm.core.models import Tenant
from sales.catalog.importers import import_orders


class Command(BaseCommand):
    help = "Import orders (purchase history) from a CSV, TSV or .xlsx file into a tenant."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", required=True, help="the tenant's slug")
        parser.add_argument("file")
        parser.add_argument(
            "--create-customers",
            action="store_true",
            help="create a contact for a customer code or e-mail no contact has",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tenant = Tenant.objects.get(slug=options["tenant"])
        except Tenant.DoesNotExist:
            raise CommandError(f"no tenant with slug {options['tenant']!r}") from None
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        with tenant_context(tenant), path.open("rb") as fh:
            try:
                result = import_orders(
                    tenant=tenant,
                    fh=fh,
                    file_name=path.name,
                    create_customers=options["create_customers"],
                )
            except ImportFileError as exc:
                raise CommandError(str(exc)) from None
        for problem in result.problems[:50]:
            row = f"row {problem['row']}: " if problem["row"] else ""
            self.stdout.write(f"{row}{problem['order_number']} {problem['message']}")
        self.stdout.write(json.dumps(result.counts()))
