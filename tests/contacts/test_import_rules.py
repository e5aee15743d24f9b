"""The import rules of issue 3: splitting names, warnings, rejections, duplicates inside the
file and against stored contacts, counts that add up, formulas stored as typed, undo."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from contacts.importers.models import ImportChange, ImportJob
from contacts.importers.services import ImportUndoError, import_undo
from contacts.models import Company, Contact
from crm.core.context import tenant_context
from crm.core.models import AuditLog, CustomFieldDefinition, FieldType, ObjectType
from tests.contacts.import_helpers import SAMPLE, csv_bytes, run_import
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def _contacts(tenant) -> list[Contact]:
    with tenant_context(tenant):
        return list(Contact.objects.select_related("company").order_by("id"))


def _define(tenant, key: str, label: str, field_type: str, **extra) -> None:
    with tenant_context(tenant):
        CustomFieldDefinition.objects.create(
            tenant=tenant,
            object_type=ObjectType.CONTACT,
            key=key,
            label=label,
            field_type=field_type,
            **extra,
        )


def test_the_sample_file_imports_with_counts_that_add_up(tenant, capsys, tmp_path) -> None:
    _define(tenant, "car", "車種", FieldType.TEXT)
    _define(tenant, "inspection", "車検日", FieldType.DATE)
    _define(tenant, "note", "備考", FieldType.TEXT)
    errors = tmp_path / "errors.csv"
    call_command("import_contacts", "--tenant", tenant.slug, SAMPLE, "--errors", str(errors))
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(summary) == {"rows", "created", "updated", "rejected", "warnings"}
    assert summary["rows"] == summary["created"] + summary["updated"] + summary["rejected"]
    assert summary["rows"] == 321 and summary["rejected"] == 6 and summary["warnings"] > 0
    contacts = _contacts(tenant)
    assert len(contacts) == summary["created"]
    # one contact per e-mail, whatever its spelling in the file
    assert len({c.email_key for c in contacts if c.email_key}) == len(
        [c for c in contacts if c.email_key]
    )
    nakamura = next(c for c in contacts if c.email == "user00287@example1.co.jp")
    assert (nakamura.last_name, nakamura.first_name) == ("中村", "太郎")
    assert (nakamura.last_name_kana, nakamura.first_name_kana) == ("ナカムラ", "タロウ")
    assert nakamura.phone == "+817095492224"
    assert (nakamura.postal_code, nakamura.prefecture) == ("980-0021", "宮城県")
    assert nakamura.company is not None and nakamura.company.name == "合同会社みらい"
    assert "nakamura" not in nakamura.search_text and "09095492224" not in nakamura.search_text
    assert "07095492224" in nakamura.search_text and "合同会社みらい" in nakamura.search_text
    # formulas are stored exactly as typed
    notes = {c.custom_fields.get("note") for c in contacts}
    assert '=HYPERLINK("http://evil.example","x")' in notes and "+SUM(1,2)" in notes
    # the error report: UTF-8 with BOM, row, column, value, message
    raw = errors.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    report = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert report[0][:4] == ["Row", "Column", "Value", "Message"]
    assert ["24", "生年月日", "1980/13/45"] in [r[:3] for r in report]
    assert len(report) - 1 == summary["warnings"] + summary["rejected"]


def test_it_splits_names_and_kana_at_full_or_half_width_spaces(tenant) -> None:
    run_import(
        tenant,
        csv_bytes(
            "氏名,フリガナ,メール\n"
            "中村　太郎,なかむら　たろう,a@example.com\n"
            "佐藤 花子,ｻﾄｳ ﾊﾅｺ,b@example.com\n"
            "松本由美,まつもとゆみ,c@example.com\n"
        ),
    )
    got = [
        (c.last_name, c.first_name, c.last_name_kana, c.first_name_kana) for c in _contacts(tenant)
    ]
    assert got == [
        ("中村", "太郎", "ナカムラ", "タロウ"),
        ("佐藤", "花子", "サトウ", "ハナコ"),
        ("松本由美", "", "マツモトユミ", ""),
    ]


def test_it_rejects_only_rows_without_name_email_or_phone(tenant) -> None:
    job = run_import(
        tenant,
        csv_bytes(
            "氏名,メール,電話,備考\n"
            ",only@example.com,,\n"
            ",,03-1234-5678,\n"
            ",not-an-email,,x\n"
            ",,,only a note\n"
            "山田,,,\n"
        ),
    )
    assert (job.rows, job.created, job.updated, job.rejected) == (5, 3, 0, 2)


def test_an_invalid_optional_value_is_left_empty_with_a_warning(tenant) -> None:
    _define(tenant, "plan", "プラン", FieldType.SELECT, choices=["gold", "silver"])
    job = run_import(
        tenant,
        csv_bytes(
            "氏名,メール,生年月日,性別,郵便番号,プラン\n"
            "山田 太郎,t@example.com,2023/2/30,宇宙人,12-34,platinum\n"
        ),
    )
    assert (job.created, job.warnings) == (1, 4)
    (contact,) = _contacts(tenant)
    assert (contact.birth_date, contact.gender, contact.postal_code) == (None, "", "")
    assert contact.custom_fields == {}
    with default_storage.open(job.error_report_path, "rb") as fh:
        report = list(csv.reader(io.StringIO(fh.read().decode("utf-8-sig"))))
    assert {(r[0], r[1]) for r in report[1:]} == {
        ("2", "生年月日"),
        ("2", "性別"),
        ("2", "郵便番号"),
        ("2", "プラン"),
    }


def test_duplicates_in_the_file_update_one_record_with_non_empty_values(tenant) -> None:
    job = run_import(
        tenant,
        csv_bytes(
            "顧客コード,氏名,メール,電話番号,部署\n"
            "C001,山田 太郎,taro@example.com,,営業部\n"
            ",山田 太郎,TARO@Example.COM,03-1234-5678,\n"  # same e-mail -> joins C001
            ",鈴木 一郎,,090-1111-2222,\n"
            ",鈴木 一郎,,０９０（１１１１）２２２２,開発部\n"  # same phone + name
            ",鈴木 二郎,,090-1111-2222,\n"  # same phone, other name: someone else
        ),
    )
    assert (job.rows, job.created, job.updated, job.rejected) == (5, 3, 2, 0)
    taro, ichiro, jiro = _contacts(tenant)
    assert (taro.customer_code, taro.phone, taro.department) == ("C001", "+81312345678", "営業部")
    assert ichiro.department == "開発部"
    assert jiro.first_name == "二郎"


def test_duplicates_against_stored_contacts_update_them(tenant) -> None:
    by_code = make_contact(tenant, last_name="旧", customer_code="C9", email="old@example.com")
    by_email = make_contact(tenant, last_name="佐藤", first_name="花子", email="hanako@example.com")
    by_phone = make_contact(tenant, last_name="鈴木", first_name="一郎", phone="+819011112222")
    other_code = make_contact(
        tenant, last_name="別人", customer_code="X1", email="shared@example.com"
    )
    job = run_import(
        tenant,
        csv_bytes(
            "顧客コード,姓,名,メール,電話番号,役職\n"
            "C9,新,,,,部長\n"
            ",,,HANAKO@example.com,,課長\n"
            ",鈴木,一郎,,090-1111-2222,係長\n"
            "X2,他人,,shared@example.com,,\n"  # same e-mail but another customer code
        ),
    )
    assert (job.created, job.updated) == (1, 3)
    with tenant_context(tenant):
        assert Contact.objects.get(pk=by_code.pk).last_name == "新"
        assert Contact.objects.get(pk=by_code.pk).email == "old@example.com"  # kept
        assert Contact.objects.get(pk=by_email.pk).title == "課長"
        assert Contact.objects.get(pk=by_email.pk).last_name == "佐藤"
        assert Contact.objects.get(pk=by_phone.pk).title == "係長"
        assert Contact.objects.get(pk=other_code.pk).last_name == "別人"
        assert Contact.objects.filter(customer_code="X2").count() == 1


def test_importing_the_same_file_twice_creates_nothing_new(tenant) -> None:
    with open(SAMPLE, "rb") as fh:
        data = fh.read()
    first = run_import(tenant, data)
    second = run_import(tenant, data)
    assert second.created == 0
    assert second.updated == first.created + first.updated
    assert len(_contacts(tenant)) == first.created


def test_it_writes_only_into_the_importing_tenant(tenant, other_tenant) -> None:
    make_contact(other_tenant, last_name="B", email="taro@example.com", customer_code="C001")
    job = run_import(tenant, csv_bytes("顧客コード,氏名,メール\nC001,山田 太郎,taro@example.com\n"))
    assert job.created == 1  # B's contact with the same code and e-mail is not a match
    with tenant_context(tenant):
        assert Contact.objects.filter(customer_code="C001").count() == 1
        assert set(ImportChange.objects.values_list("tenant_id", flat=True)) == {tenant.pk}
    with tenant_context(other_tenant):
        assert Contact.objects.get(customer_code="C001").last_name == "B"
        assert ImportJob.objects.count() == 0


def test_undo_deletes_created_and_restores_updated_records(tenant, member) -> None:
    stored = make_contact(tenant, last_name="佐藤", first_name="花子", email="h@example.com")
    job = run_import(
        tenant,
        csv_bytes(
            "氏名,メール,会社名,部署\n"
            "佐藤 花子,h@example.com,,営業部\n"
            "新規 様,n@example.com,新会社,\n"
        ),
    )
    assert (job.created, job.updated) == (1, 1)
    with tenant_context(tenant):
        assert Company.objects.filter(name="新会社").exists()
        outcome = import_undo(tenant=tenant, job=job, actor=member)
        assert outcome == {"restored": 1, "deleted": 1}
        assert list(Contact.objects.values_list("pk", flat=True)) == [stored.pk]
        restored = Contact.objects.get()
        assert (restored.department, restored.email) == ("", "h@example.com")
        assert not Company.objects.filter(name="新会社").exists()
        job.refresh_from_db()
        assert job.status == "undone"
        assert AuditLog.objects.filter(object_id=str(job.pk), actor=member).exists()


def test_undo_is_refused_once_a_record_changed_after_the_import(tenant) -> None:
    from contacts.services import contact_update

    job = run_import(tenant, csv_bytes("氏名,メール\n山田 太郎,t@example.com\n"))
    with tenant_context(tenant):
        contact = Contact.objects.get()
        contact_update(tenant=tenant, contact=contact, title="社長")
        with pytest.raises(ImportUndoError, match="changed or deleted since"):
            import_undo(tenant=tenant, job=job)
        assert Contact.objects.get().title == "社長"
        assert ImportChange.objects.filter(job=job).count() == 1


def test_search_text_written_by_the_import_sql_equals_the_services_one(tenant) -> None:
    from contacts import cleaning, services

    _define(tenant, "memo", "メモ", FieldType.TEXT)
    run_import(
        tenant,
        csv_bytes(
            "顧客コード,氏名,フリガナ,会社名,メール,電話番号,携帯,メモ\n"
            "K-1,山田 太郎,やまだ たろう,株式会社サンプル,Taro@Example.COM,03-1234-5678,"
            "090-1111-2222,Gold 会員\n"
        ),
    )
    (contact,) = _contacts(tenant)
    with tenant_context(tenant):
        expected = cleaning.search_text(
            fields={n: getattr(contact, n) for n in services.CONTACT_FIELDS if n != "company"},
            company_name=contact.company.name,
            custom_fields=contact.custom_fields,
            definitions=list(CustomFieldDefinition.objects.filter(object_type="contact")),
        )
    assert contact.search_text == expected
    assert contact.email_key == "taro@example.com"
