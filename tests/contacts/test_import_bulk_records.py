"""What the import's bulk INSERT writes besides the contacts: the search vector it computes
itself (the trigger stands aside only for that statement) and one undo record per run of
created ids instead of one per contact."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from contacts.importers.models import ImportChange, ImportJob, ImportStatus
from contacts.importers.services import import_undo
from contacts.models import Contact
from crm.core.context import tenant_context
from tests.contacts.import_helpers import csv_bytes, run_import
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

FILE = (
    "顧客コード,氏名,フリガナ,会社名,メール,電話番号\n"
    "C-1,佐藤 花子,さとう はなこ,株式会社青空,hanako@example.com,03-1234-5678\n"
    "C-2,鈴木 一郎,ｽｽﾞｷ ｲﾁﾛｳ,,ichiro@example.com,０６－１２３４－５６７８\n"
    ",高橋 愛,タカハシ アイ,㈱みどり,ai@example.com,\n"
)


def _vectors_that_differ(tenant) -> int:
    """Rows whose stored vector is not what the trigger computes from their search_text."""
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM contacts_contact WHERE tenant_id = %s"
            " AND search_vector IS DISTINCT FROM contacts_search_vector(search_text)",
            [tenant.pk],
        )
        return int(cursor.fetchone()[0])


def test_imported_contacts_get_the_search_vector_the_trigger_would_compute(tenant) -> None:
    job = run_import(tenant, csv_bytes(FILE))
    assert job.status == ImportStatus.DONE and job.created == 3
    with tenant_context(tenant):
        assert not Contact.objects.filter(search_vector__isnull=True).exists()
    assert _vectors_that_differ(tenant) == 0


def test_updated_contacts_get_their_vector_recomputed(tenant) -> None:
    make_contact(tenant, last_name="佐藤", first_name="花子", customer_code="C-1")
    job = run_import(tenant, csv_bytes(FILE))
    assert (job.created, job.updated) == (2, 1)
    with tenant_context(tenant):
        stored = Contact.objects.get(customer_code="C-1")
        assert "hanako@example.com" in stored.search_text
    assert _vectors_that_differ(tenant) == 0


def test_the_trigger_still_computes_vectors_outside_the_import(tenant) -> None:
    # A vector sent by anyone else (without the import's transaction-local setting) is
    # replaced by the computed one, on INSERT and UPDATE alike.
    contact = make_contact(tenant, last_name="山田", first_name="太郎")
    with tenant_context(tenant), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contacts_contact SET search_vector = 'bogus'::tsvector,"
            " search_text = search_text || ' x' WHERE id = %s",
            [contact.pk],
        )
    assert _vectors_that_differ(tenant) == 0
    with tenant_context(tenant), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.defer_search_vector', 'off', true)")
        cursor.execute(
            "UPDATE contacts_contact SET search_vector = 'bogus'::tsvector,"
            " search_text = search_text || ' y' WHERE id = %s",
            [contact.pk],
        )
    assert _vectors_that_differ(tenant) == 0


def test_created_contacts_are_recorded_as_one_id_range(tenant) -> None:
    job = run_import(tenant, csv_bytes(FILE))
    with tenant_context(tenant):
        changes = list(ImportChange.objects.filter(job=job).exclude(kind="company_created"))
        created_ids = sorted(Contact.objects.values_list("pk", flat=True))
    assert [(c.kind, c.object_id, c.last_id) for c in changes] == [
        ("created_range", created_ids[0], created_ids[-1])
    ]
    assert created_ids[-1] - created_ids[0] == 2


def test_undo_of_a_range_deletes_only_the_imports_contacts(tenant, other_tenant) -> None:
    before = make_contact(tenant, last_name="前", first_name="からいる")
    theirs = make_contact(other_tenant, last_name="他社", first_name="の人")
    job = run_import(tenant, csv_bytes(FILE))
    after = make_contact(tenant, last_name="後", first_name="から来た")
    with tenant_context(tenant):
        job = ImportJob.objects.get(pk=job.pk)
        outcome = import_undo(tenant=tenant, job=job)
        assert outcome == {"restored": 0, "deleted": 3}
        assert sorted(Contact.objects.values_list("pk", flat=True)) == [before.pk, after.pk]
    with tenant_context(other_tenant):
        assert list(Contact.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_imports_recorded_one_row_per_contact_can_still_be_undone(tenant) -> None:
    # Jobs finished before the id ranges existed name each created contact.
    first = make_contact(tenant, last_name="旧", first_name="一")
    second = make_contact(tenant, last_name="旧", first_name="二")
    kept = make_contact(tenant, last_name="残", first_name="る")
    with tenant_context(tenant):
        finished = Contact.objects.get(pk=kept.pk).updated_at
        job = ImportJob.objects.create(
            tenant=tenant, file_name="old.csv", status=ImportStatus.DONE, finished_at=finished
        )
        for contact in (first, second):
            ImportChange.objects.create(
                tenant=tenant, job=job, kind="created", object_id=contact.pk
            )
        outcome = import_undo(tenant=tenant, job=job)
        assert outcome == {"restored": 0, "deleted": 2}
        assert list(Contact.objects.values_list("pk", flat=True)) == [kept.pk]
