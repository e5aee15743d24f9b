"""Reading what people upload: encodings, delimiters, Excel, and the files we refuse
(with a message saying what to do, and nothing stored changed)."""

from __future__ import annotations

import pytest

from contacts.importers.models import ImportJob
from contacts.importers.readers import ImportFileError
from contacts.models import Contact
from crm.core.context import tenant_context
from tests.contacts.import_helpers import csv_bytes, run_import, xlsx_bytes, zip_bomb_xlsx
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

CSV = (
    "氏名,メールアドレス,電話番号\n"
    "山田 太郎,taro@example.co.jp,03-1234-5678\n"
    "佐藤　花子,hanako@example.co.jp,090-1111-2222\n"
)


def _names(tenant) -> list[str]:
    with tenant_context(tenant):
        return sorted(f"{c.last_name}/{c.first_name}" for c in Contact.objects.all())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_it_reads_utf8_with_and_without_bom_and_shift_jis(tenant, encoding) -> None:
    job = run_import(tenant, csv_bytes(CSV, encoding))
    assert (job.status, job.rows, job.created) == ("done", 2, 2)
    assert job.encoding == encoding
    assert _names(tenant) == ["佐藤/花子", "山田/太郎"]


def test_it_detects_tab_separated_files(tenant) -> None:
    job = run_import(tenant, csv_bytes(CSV.replace(",", "\t")), name="export.txt")
    assert (job.file_format, job.created) == ("tsv", 2)


def test_it_reads_xlsx_cells_including_numbers_and_dates(tenant) -> None:
    import datetime as dt

    data = xlsx_bytes(
        [
            ["姓", "名", "Eメール", "〒", "生年月日"],
            ["山田", "太郎", "taro@example.co.jp", 1000001, dt.datetime(1980, 4, 1)],
        ]
    )
    job = run_import(tenant, data, name="list.xlsx")
    assert (job.status, job.created) == ("done", 1)
    with tenant_context(tenant):
        contact = Contact.objects.get()
    assert (contact.postal_code, contact.prefecture, str(contact.birth_date)) == (
        "100-0001",
        "東京都",
        "1980-04-01",
    )


def test_it_refuses_an_undecodable_file_naming_the_line(tenant) -> None:
    make_contact(tenant, last_name="既存")
    good = csv_bytes(CSV)
    # Valid UTF-8 for the first 64 KiB (so UTF-8 is chosen), a broken byte on line 3004.
    body = good + b"".join(f"x{n},x{n}@example.com,\r\n".encode() for n in range(3000))
    body += b"\xff\xfe broken,a@example.com,\r\n"
    job = run_import(tenant, body)
    assert job.status == "failed"
    assert "Line 3004" in job.error_message
    assert "UTF-8" in job.error_message
    assert _names(tenant) == ["既存/太郎"]


def test_it_refuses_a_file_that_is_neither_utf8_nor_shift_jis(tenant) -> None:
    data = "氏名\n".encode() + bytes([0x81, 0x20, 0xFF, 0xFF]) * 10
    with pytest.raises(ImportFileError, match="neither UTF-8 nor Shift_JIS"):
        run_import(tenant, data)
    with tenant_context(tenant):
        assert ImportJob.objects.count() == 0


def test_it_refuses_an_xlsx_zip_bomb_before_opening_it(tenant) -> None:
    with pytest.raises(ImportFileError, match="zip bomb"):
        run_import(tenant, zip_bomb_xlsx(), name="bomb.xlsx")
    assert _names(tenant) == []


def test_it_refuses_a_damaged_xlsx(tenant) -> None:
    with pytest.raises(ImportFileError, match="damaged"):
        run_import(tenant, b"PK\x03\x04 not really a zip", name="broken.xlsx")


def test_it_refuses_a_file_over_the_size_limit(tenant, settings) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ImportFileError, match="largest file you can import"):
        run_import(tenant, csv_bytes(CSV * 3))
    with tenant_context(tenant):
        assert ImportJob.objects.count() == 0


def test_it_refuses_a_file_without_a_recognizable_header(tenant) -> None:
    with pytest.raises(ImportFileError, match="No column of the first row was recognized"):
        run_import(tenant, csv_bytes("山田 太郎,taro@example.co.jp\n佐藤 花子,h@example.co.jp\n"))
    assert _names(tenant) == []


def test_it_refuses_two_columns_mapped_to_one_field(tenant) -> None:
    with pytest.raises(ImportFileError, match="both mapped to"):
        run_import(tenant, csv_bytes(CSV), mapping_override=["full_name", "email", "email"])
    with pytest.raises(ImportFileError, match="both mapped to"):
        run_import(tenant, csv_bytes("電話番号,TEL,氏名\n03-1234-5678,03-1234-5678,山田\n"))
    assert _names(tenant) == []


def test_it_refuses_a_name_column_together_with_last_name(tenant) -> None:
    with pytest.raises(ImportFileError, match="fills the same field"):
        run_import(tenant, csv_bytes("氏名,姓,メール\n山田 太郎,山田,t@example.com\n"))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Ｅメール", "email"),
        ("E-mail", "email"),
        ("TEL", "phone"),
        ("〒", "postal_code"),
        ("携帯電話番号", "mobile"),
        ("電話番号（自宅）", "phone"),
        ("Last Name", "last_name"),
        ("ふりがな", "full_kana"),
        ("顧客コード", "customer_code"),
        ("Company Name", "company"),
    ],
)
def test_it_matches_header_variants(header, expected) -> None:
    from contacts.importers.mapping import auto_mapping

    assert auto_mapping([header], []) == [expected]
