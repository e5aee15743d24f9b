"""Normalizing on two processes (contacts/importers/pipeline.py) changes nothing: the same
contacts, counts, warnings and error report, in file order, as one process."""

from __future__ import annotations

import os

import pytest
from django.core.files.storage import default_storage

from contacts.importers import pipeline
from contacts.importers.rows import RowNormalizer
from contacts.models import Contact
from crm.core.context import tenant_context
from tests.contacts.import_helpers import csv_bytes, run_import

pytestmark = pytest.mark.django_db

HEADER = ["顧客コード", "氏名", "フリガナ", "メール", "電話番号", "郵便番号", "生年月日", "性別"]


def _file(rows: int) -> bytes:
    lines = [",".join(HEADER)]
    for n in range(rows):
        person = n % 45  # later rows repeat earlier people: duplicates across chunks
        lines.append(
            ",".join(
                [
                    f"K{person:03d}" if person % 3 == 0 else "",
                    f"山田 {person}郎" if n % 17 else "",
                    "やまだ たろう",
                    f"u{person}@Example.CO.JP" if n % 17 else "",
                    ["03-1234-5678", "０９０（１２３４）５６７８", "12345", "+81 90 1111 2222"][
                        n % 4
                    ]
                    if n % 17
                    else "",
                    ["1000001", "〒100-0001", "abc"][n % 3],
                    ["1980/1/2", "S55.1.2", "1980/13/45"][n % 3],
                    ["男性", "F", "?"][n % 3],
                ]
            )
        )
    return csv_bytes("\n".join(lines) + "\n")


def _snapshot(tenant, job) -> tuple:
    with tenant_context(tenant):
        contacts = [
            (c.customer_code, c.last_name, c.first_name, c.last_name_kana, c.email, c.phone,
             c.postal_code, c.prefecture, str(c.birth_date), c.gender)
            for c in Contact.objects.order_by("id")
        ]  # fmt: skip
    with default_storage.open(job.error_report_path, "rb") as fh:
        report = fh.read()
    counts = (job.rows, job.created, job.updated, job.rejected, job.warnings)
    return counts, contacts, report


def test_a_parallel_import_equals_a_serial_one(tenant, other_tenant, settings) -> None:
    settings.IMPORT_CHUNK_ROWS = 7
    data = _file(150)
    settings.IMPORT_PARALLEL = True
    parallel = _snapshot(tenant, run_import(tenant, data))
    settings.IMPORT_PARALLEL = False
    serial = _snapshot(other_tenant, run_import(other_tenant, data))
    assert parallel == serial
    counts, contacts, report = parallel
    assert counts[0] == 150 and counts[3] > 0 and counts[4] > 0 and len(contacts) == counts[1]


def test_the_helper_process_normalizes_chunks_in_file_order(tenant) -> None:
    header = HEADER
    rows = [
        (n + 2, line.split(",")) for n, line in enumerate(_file(200).decode().split("\r\n")[1:-1])
    ]
    normalizer = RowNormalizer(header, [
        "customer_code", "full_name", "full_kana", "email", "phone", "postal_code", "birth_date",
        "gender"], [])  # fmt: skip
    results = list(pipeline.normalized_chunks(normalizer, rows, 10))
    assert [r.rows for r in results] == [10] * 20
    numbers = [n for r in results for n, _values in r.staged]
    assert numbers == sorted(numbers)
    issue_rows = [i.row for r in results for i in r.issues]
    assert issue_rows == sorted(issue_rows)
    assert {r.pid for r in results} - {os.getpid()}, "no chunk was normalized by the helper"
    serial = list(pipeline.normalized_chunks(normalizer, rows, 10, parallel=False))
    assert [(r.staged, r.issues, r.rejected) for r in results] == [
        (r.staged, r.issues, r.rejected) for r in serial
    ]
