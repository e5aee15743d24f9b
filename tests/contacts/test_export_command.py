"""python manage.py export_contacts: stdout (bytes, so .xlsx survives a pipe) or --output,
the encodings, and clear errors with a non-zero exit code."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.conftest import ROOT
from tests.factories import make_contact


def run(*args: str) -> tuple[bytes, str]:
    out, err = io.BytesIO(), io.StringIO()
    call_command("export_contacts", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def manage(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    env["CRM_DB_NAME"] = settings.DATABASES["default"]["NAME"]
    return subprocess.run(
        [sys.executable, "manage.py", "export_contacts", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_csv_goes_to_stdout_with_a_bom_and_the_count_to_stderr(tenant) -> None:
    make_contact(tenant, last_name="佐藤", email="sato@example.com")
    data, err = run("--tenant", "alpha", "--format", "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["email"] for r in rows] == ["sato@example.com"]
    assert "1 contacts exported" in err


@pytest.mark.django_db
def test_output_writes_the_file_and_query_filters(tenant, tmp_path) -> None:
    make_contact(tenant, last_name="佐藤")
    make_contact(tenant, last_name="山田")
    target = tmp_path / "out.jsonl"
    data, _err = run(
        "--tenant", "alpha", "--format", "jsonl", "--output", str(target), "--query", "q=山田"
    )
    assert data == b""
    lines = [json.loads(line) for line in target.read_text("utf-8").splitlines()]
    assert [line["last_name"] for line in lines] == ["山田"]


@pytest.mark.django_db
def test_cp932_reports_the_cells_it_replaced(tenant) -> None:
    make_contact(tenant, last_name="𠮷野", first_name="花子")
    data, err = run("--tenant", "alpha", "--format", "csv", "--encoding", "cp932")
    assert "?野" in data.decode("cp932")
    assert "1 cells held characters CP932 cannot store" in err


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--tenant", "nope", "--format", "csv"), "no tenant with slug 'nope'"),
        (("--tenant", "alpha", "--format", "pdf"), "unknown format 'pdf'"),
        (("--tenant", "alpha", "--format", "csv", "--encoding", "latin-1"), "unknown encoding"),
        (("--tenant", "alpha", "--format", "xlsx", "--encoding", "cp932"), "CSV files only"),
        (("--tenant", "alpha", "--format", "csv", "--query", "owner=x"), "owner"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(tenant, args: Any, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


@pytest.mark.django_db(transaction=True)
def test_xlsx_on_stdout_is_a_workbook_and_errors_exit_non_zero(tenant) -> None:
    make_contact(tenant, last_name="佐藤", email="sato@example.com")
    done = manage("--tenant", "alpha", "--format", "xlsx")
    assert done.returncode == 0, done.stderr.decode()
    book = openpyxl.load_workbook(io.BytesIO(done.stdout), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert "sato@example.com" in rows[1]
    failed = manage("--tenant", "nope", "--format", "csv")
    assert failed.returncode != 0 and b"no tenant with slug 'nope'" in failed.stderr
    assert failed.stdout == b""
