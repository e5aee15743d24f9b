"""Shared helpers for the import tests: run an import the way the command does."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from contacts.importers.services import import_job_create, import_run
from crm.core.context import tenant_context

SAMPLE = "/work/shared/data/sample_contacts_cp932.csv"


def run_import(tenant: Any, data: bytes, name: str = "contacts.csv", **kwargs: Any) -> Any:
    with tenant_context(tenant):
        job = import_job_create(
            tenant=tenant,
            actor=None,
            file=io.BytesIO(data),
            file_name=name,
            size=len(data),
            **kwargs,
        )
        return import_run(tenant=tenant, job_id=job.pk)


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bomb_xlsx() -> bytes:
    """A valid-looking .xlsx whose sheet inflates ~1000x (20 MB of spaces from ~20 KB)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", " " * (20 * 1024 * 1024))
    return out.getvalue()
