"""The export service: each format's content (CSV UTF-8 with BOM, CP932 with replaced cells
counted, .xlsx, JSON Lines = the API), custom fields, the formula guard, the list's search
and record visibility carried in, export -> import round trip, a bounded query count."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.exports.services import API_FIELDS, ExportError, contact_export
from contacts.importers import mapping
from contacts.models import Contact
from contacts.services import company_create
from crm.core.context import tenant_context
from crm.core.customfields import definitions_for
from crm.core.models import Membership, Tenant
from crm.core.roles import Role
from crm.core.services.customfields import customfield_create
from tests.contacts.import_helpers import run_import
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db


def field(tenant: Any, key: str, field_type: str, **kw: Any) -> Any:
    kw.setdefault("label", key)
    with tenant_context(tenant):
        return customfield_create(
            tenant=tenant, object_type="contact", key=key, field_type=field_type, **kw
        )


def export(tenant: Any, fmt: str, *, membership: Any = None, query: str = "", **kw: Any) -> Any:
    out = io.BytesIO()
    with tenant_context(tenant):
        tenant = Tenant.objects.get(pk=tenant.pk)
        result = contact_export(
            tenant=tenant, membership=membership, query=query, fmt=fmt, out=out, **kw
        )
    return out.getvalue(), result


def csv_rows(data: bytes, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode(encoding), newline="")))


@pytest.fixture
def sample(tenant: Any) -> dict[str, Any]:
    field(
        tenant, "rank", "select", label="ランク", label_en="Rank", choices=["ゴールド", "シルバー"]
    )
    field(tenant, "visits", "integer", label="来店回数")
    field(tenant, "vip", "boolean", label="VIP")
    field(tenant, "hobbies", "multi_select", label="趣味", choices=["釣り", "読書"])
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="青空商事株式会社")
    taro = make_contact(
        tenant,
        last_name="山田",
        first_name="太郎",
        last_name_kana="ヤマダ",
        first_name_kana="タロウ",
        email="taro@example.com",
        phone="03-1234-5678",
        birth_date="1980-04-01",
        company=company.pk,
        tags=["展示会", "vip"],
        lifecycle_stage="customer",
        custom_fields={"rank": "ゴールド", "visits": 3, "vip": True, "hobbies": ["釣り", "読書"]},
    )
    formula = make_contact(tenant, last_name='=HYPERLINK("http://x")', first_name="@SUM(A1)")
    return {"taro": taro, "formula": formula, "company": company}


def test_csv_is_utf8_with_bom_and_holds_every_field_and_custom_field(tenant, sample) -> None:
    data, result = export(tenant, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    assert result.rows == 2
    rows = csv_rows(data)
    header = list(rows[0])
    for name in API_FIELDS:
        if name != "custom_fields":
            assert name in header
    assert header[-4:] == ["rank", "visits", "vip", "hobbies"]
    taro = next(r for r in rows if r["email"] == "taro@example.com")
    assert taro["company"] == "青空商事株式会社"
    assert taro["company_id"] == str(sample["company"].pk)
    assert taro["phone"] == "'+81312345678"  # E.164, and '+' is guarded
    assert taro["phone_display"] == "03-1234-5678"
    assert taro["birth_date"] == "1980-04-01"
    assert taro["tags"] == "展示会, vip"
    assert (taro["rank"], taro["visits"], taro["vip"], taro["hobbies"]) == (
        "ゴールド",
        "3",
        "true",
        "釣り, 読書",
    )


def test_cells_that_would_run_as_formulas_get_a_leading_apostrophe(tenant, sample) -> None:
    data, _result = export(tenant, "csv")
    row = next(r for r in csv_rows(data) if r["id"] == str(sample["formula"].pk))
    assert row["last_name"] == '\'=HYPERLINK("http://x")'
    assert row["first_name"] == "'@SUM(A1)"
    book = openpyxl.load_workbook(io.BytesIO(export(tenant, "xlsx")[0]), read_only=True)
    values = [list(r) for r in book.active.iter_rows(values_only=True)]
    header = values[0]
    cells = next(r for r in values[1:] if r[header.index("id")] == str(sample["formula"].pk))
    assert cells[header.index("last_name")] == '\'=HYPERLINK("http://x")'
    lines = [json.loads(line) for line in export(tenant, "jsonl")[0].decode().splitlines()]
    raw = next(line for line in lines if line["id"] == sample["formula"].pk)
    assert raw["last_name"] == '=HYPERLINK("http://x")'  # JSON Lines stores raw values


def test_cp932_decodes_and_counts_the_cells_it_had_to_replace(tenant) -> None:
    make_contact(tenant, last_name="髙橋", first_name="〜ゆう")  # 髙 is in CP932; 〜 is mapped
    make_contact(tenant, last_name="𠮷野", first_name="😀", email="emoji@example.com")
    data, result = export(tenant, "csv", encoding="cp932")
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(data, "cp932")
    assert {r["last_name"] for r in rows} == {"髙橋", "?野"}
    assert next(r for r in rows if r["last_name"] == "髙橋")["first_name"] == "～ゆう"
    assert result.replaced_cells == 2  # 𠮷野 and 😀: two cells, whatever the characters


def test_xlsx_loads_with_the_same_columns_and_values(tenant, sample) -> None:
    data, _result = export(tenant, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    header = rows[0]
    assert header == list(csv_rows(export(tenant, "csv")[0])[0])
    taro = next(r for r in rows[1:] if r[header.index("email")] == "taro@example.com")
    assert taro[header.index("rank")] == "ゴールド"
    assert taro[header.index("company")] == "青空商事株式会社"


def test_json_lines_are_exactly_the_api_representation(tenant, sample, api_client) -> None:
    field(tenant, "score", "decimal")
    field(tenant, "since", "date")
    field(tenant, "seen_at", "datetime")
    make_contact(
        tenant,
        last_name="小数",
        custom_fields={"score": "12.50", "since": "令和6年4月1日", "seen_at": "2024-04-01 09:30"},
    )
    data, _result = export(tenant, "jsonl")
    lines = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    assert len(lines) == 3
    for line in lines:
        api = api_client.get(reverse("contact-detail", kwargs={"pk": line["id"]})).json()
        assert list(line) == list(api)
        assert line == api
    taro = next(line for line in lines if line["id"] == sample["taro"].pk)
    assert taro["custom_fields"] == {
        "rank": "ゴールド",
        "visits": 3,
        "vip": True,
        "hobbies": ["釣り", "読書"],
        "score": None,
        "since": None,
        "seen_at": None,
    }
    assert taro["company"] == {"id": sample["company"].pk, "name": "青空商事株式会社"}


def test_the_lists_search_and_filters_narrow_the_export(tenant, sample) -> None:
    make_contact(tenant, last_name="佐藤", first_name="花子", tags=["展示会"])
    data, result = export(tenant, "csv", query="q=佐藤")
    assert result.rows == 1
    assert [r["last_name"] for r in csv_rows(data)] == ["佐藤"]
    _data, result = export(tenant, "csv", query="tag=展示会&before=1")  # the page cursor is not
    assert result.rows == 2  # a filter
    data, result = export(tenant, "jsonl", query="cf_rank=ゴールド")
    assert result.rows == 1 and json.loads(data)["id"] == sample["taro"].pk


def test_a_filter_that_cannot_be_read_stops_the_export_with_what_to_fix(tenant, sample) -> None:
    with pytest.raises(ExportError, match="owner"):
        export(tenant, "csv", query="owner=abc")
    with pytest.raises(ExportError, match="xml"):
        export(tenant, "xml")
    with pytest.raises(ExportError, match="CSV"):
        export(tenant, "xlsx", encoding="cp932")


def test_a_reps_export_holds_only_what_the_rep_may_see(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    other = make_member(tenant, Role.SALES)
    make_contact(tenant, last_name="mine", owner=rep.pk)
    make_contact(tenant, last_name="theirs", owner=other.pk)
    make_contact(tenant, last_name="nobodys")
    with tenant_context(tenant):
        Tenant.objects.filter(pk=tenant.pk).update(record_visibility="own_team")
        membership = Membership.objects.select_related("tenant").get(user=rep)
    data, result = export(tenant, "csv", membership=membership)
    assert [r["last_name"] for r in csv_rows(data)] == ["mine"]
    assert csv_rows(data)[0]["owner"] == str(rep.pk)
    _data, result = export(tenant, "csv", membership=None)  # no member: nothing when limited
    assert result.rows == 0


def test_an_exported_file_imports_back_into_the_same_values(tenant, other_tenant, sample) -> None:
    for t in (other_tenant,):
        field(t, "rank", "select", label="ランク", choices=["ゴールド", "シルバー"])
        field(t, "visits", "integer", label="来店回数")
        field(t, "vip", "boolean", label="VIP")
        field(t, "hobbies", "multi_select", label="趣味", choices=["釣り", "読書"])
    data, _result = export(tenant, "csv")
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    with tenant_context(other_tenant):
        proposed = mapping.auto_mapping(
            header, definitions_for(tenant=other_tenant, object_type="contact")
        )
    by_header = dict(zip(header, proposed, strict=True))
    assert by_header["last_name"] == "last_name" and by_header["company"] == "company"
    assert by_header["rank"] == "cf:rank" and by_header["hobbies"] == "cf:hobbies"
    for unmapped in ("id", "company_id", "owner", "owner_name", "phone_display", "created_at"):
        assert by_header[unmapped] == ""
    job = run_import(other_tenant, data, name="export.csv")
    assert (job.status, job.created, job.warnings, job.rejected) == ("done", 2, 0, 0)
    compared = [
        "last_name",
        "first_name",
        "last_name_kana",
        "first_name_kana",
        "email",
        "phone",
        "birth_date",
        "lifecycle_stage",
        "tags",
        "custom_fields",
    ]
    with tenant_context(tenant):
        before = Contact.objects.get(pk=sample["taro"].pk)
    with tenant_context(other_tenant):
        after = Contact.objects.select_related("company").get(email="taro@example.com")
    assert {n: getattr(after, n) for n in compared} == {n: getattr(before, n) for n in compared}
    assert after.company.name == "青空商事株式会社"


def test_the_query_count_does_not_grow_with_the_rows(tenant, settings) -> None:
    settings.EXPORT_CHUNK_ROWS = 10
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="会社")
    owner = make_member(tenant, Role.SALES)
    field(tenant, "rank", "text")

    def queries(n_rows: int) -> int:
        with tenant_context(tenant):
            Contact.objects.all().delete()
        for i in range(n_rows):
            make_contact(
                tenant,
                last_name=f"n{i}",
                company=company.pk,
                owner=owner.pk,
                custom_fields={"rank": "A"},
            )
        with CaptureQueriesContext(connection) as ctx:
            _data, result = export(tenant, "csv")
        assert result.rows == n_rows
        return len(ctx.captured_queries)

    small, large = queries(5), queries(45)  # 1 chunk vs 5 chunks
    # One SELECT per chunk (company and owner joined, custom fields in the row), plus a
    # fixed few; nothing per row.
    assert large - small == 4
