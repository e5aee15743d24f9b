"""python manage.py export_contacts --tenant SLUG --format csv|xlsx|jsonl [--output FILE]
[--encoding utf-8|cp932] [--query QUERYSTRING]

Runs the same export as the browser, synchronously (no worker), as a system export of the
whole list (or of the list filtered by --query, the list page's query string). Without
--output the file goes to stdout (bytes, so .xlsx is safe to redirect). With CP932, the
number of cells holding characters Shift_JIS cannot store goes to stderr."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError

from contacts.exports.models import ExportEncoding, ExportFormat
from contacts.exports.services import ExportError, contact_export
from crm.core.context import tenant_context
from crm.core.models import Tenant


class Command(BaseCommand):
    help = "Export a tenant's contacts as CSV, .xlsx or JSON Lines."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", required=True, help="the tenant's slug")
        parser.add_argument(
            "--format", required=True, dest="fmt", help="csv, xlsx or jsonl", metavar="FORMAT"
        )
        parser.add_argument("--output", help="write to this file instead of stdout")
        parser.add_argument(
            "--encoding", default=ExportEncoding.UTF8, help="utf-8 (default, with BOM) or cp932"
        )
        parser.add_argument(
            "--query", default="", help="filters as in the list's URL, e.g. 'q=佐藤&tag=vip'"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = str(options["fmt"]).lower()
        encoding = str(options["encoding"]).lower().replace("_", "-")
        if fmt not in ExportFormat.values:
            raise CommandError(f"unknown format {options['fmt']!r}: use csv, xlsx or jsonl")
        if encoding not in ExportEncoding.values:
            raise CommandError(f"unknown encoding {options['encoding']!r}: use utf-8 or cp932")
        try:
            tenant = Tenant.objects.get(slug=options["tenant"])
        except Tenant.DoesNotExist:
            raise CommandError(f"no tenant with slug {options['tenant']!r}") from None
        output = options.get("output")
        if output:
            path = Path(output)
            if not path.parent.is_dir():
                raise CommandError(f"no such directory: {path.parent}")
            with path.open("wb") as fh:
                result = self._export(tenant, fmt, encoding, options["query"], fh, path)
        else:
            out: Any = getattr(self.stdout, "_out", None) or sys.stdout
            binary: IO[bytes] = getattr(out, "buffer", out)
            result = self._export(tenant, fmt, encoding, options["query"], binary, None)
            binary.flush()
        message = f"{result.rows} contacts exported"
        if result.replaced_cells:
            message += (
                f"; {result.replaced_cells} cells held characters CP932 cannot store"
                " (written as '?')"
            )
        self.stderr.write(message)

    def _export(
        self, tenant: Tenant, fmt: str, encoding: str, query: str, out: IO[bytes], path: Any
    ) -> Any:
        with tenant_context(tenant):
            try:
                return contact_export(
                    tenant=tenant,
                    membership=None,
                    query=query,
                    fmt=fmt,
                    encoding=encoding,
                    out=out,
                )
            except ExportError as exc:
                if path is not None:
                    path.unlink(missing_ok=True)
                raise CommandError(str(exc)) from None
