"""python manage.py import_contacts --tenant SLUG FILE [--errors PATH]

Runs the same import as the browser, synchronously (no worker), with the automatic header
mapping. The last line of the output is one JSON object: rows, created, updated, rejected,
warnings (integers)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from contacts.importers.models import ImportStatus
from contacts.importers.readers import ImportFileError
from contacts.importers.services import import_job_create, import_run
from crm.core.context import tenant_context
from crm.core.models import Tenant


class Command(BaseCommand):
    help = "Import contacts from a CSV, TSV or .xlsx file into a tenant."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", required=True, help="the tenant's slug")
        parser.add_argument("file", help="CSV (UTF-8 or Shift_JIS), TSV or .xlsx")
        parser.add_argument("--errors", help="write the error report (CSV) to this path")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tenant = Tenant.objects.get(slug=options["tenant"])
        except Tenant.DoesNotExist:
            raise CommandError(f"no tenant with slug {options['tenant']!r}") from None
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        with tenant_context(tenant):
            try:
                with path.open("rb") as fh:
                    job = import_job_create(
                        tenant=tenant,
                        actor=None,
                        file=fh,
                        file_name=path.name,
                        size=path.stat().st_size,
                    )
            except ImportFileError as exc:
                raise CommandError(str(exc)) from None
            job = import_run(tenant=tenant, job_id=job.pk)
            if job.status == ImportStatus.FAILED:
                raise CommandError(job.error_message)
            if options.get("errors") and job.error_report_path:
                with (
                    default_storage.open(job.error_report_path, "rb") as src,
                    open(options["errors"], "wb") as dst,
                ):
                    shutil.copyfileobj(src, dst)
        summary = {
            "rows": job.rows,
            "created": job.created,
            "updated": job.updated,
            "rejected": job.rejected,
            "warnings": job.warnings,
        }
        self.stdout.write(json.dumps(summary))
