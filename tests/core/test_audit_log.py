"""The audit log records every create, update and delete made through services (and thus
through the web pages and the API), and cannot be rewritten afterwards."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from contacts.models import Contact
from contacts.services import contact_delete, contact_update
from crm.core.context import tenant_context
from crm.core.models import AuditLog
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def _entries(tenant, **filters):
    with tenant_context(tenant):
        return list(AuditLog.objects.filter(**filters).order_by("id"))


def _one_entry(tenant):
    make_contact(tenant, last_name="佐藤")
    with tenant_context(tenant):
        return AuditLog.objects.filter(object_type="contacts.contact").get()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditlog SET object_repr = 'forged' WHERE id = %s",
        "DELETE FROM core_auditlog WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_rewrite_an_entry_through_raw_sql(tenant, sql) -> None:
    entry = _one_entry(tenant)
    with (
        tenant_context(tenant),
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    with tenant_context(tenant):
        assert AuditLog.objects.get(pk=entry.pk).object_repr == "佐藤 太郎"


def test_the_database_refuses_to_rewrite_an_entry_through_the_orm(tenant) -> None:
    entry = _one_entry(tenant)
    with tenant_context(tenant):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditLog.objects.filter(pk=entry.pk).update(object_repr="forged")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            entry.object_repr = "forged"
            entry.save()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditLog.objects.get(pk=entry.pk).delete()
        assert AuditLog.objects.get(pk=entry.pk).object_repr == "佐藤 太郎"


def test_services_record_field_level_changes_of_a_contact(tenant, member) -> None:
    contact = make_contact(tenant, last_name="佐藤", email="sato@example.jp")
    with tenant_context(tenant, actor=member):
        contact_update(
            tenant=tenant, contact=contact, actor=member, last_name="鈴木", phone="03-1234-5678"
        )
        contact_delete(tenant=tenant, contact=Contact.objects.get(pk=contact.pk), actor=member)
    created, updated, deleted = _entries(
        tenant, object_type="contacts.contact", object_id=str(contact.pk)
    )
    assert created.action == "create"
    assert created.changes["last_name"] == [None, "佐藤"]
    assert created.changes["email"] == [None, "sato@example.jp"]
    assert updated.action == "update"
    assert updated.changes == {"last_name": ["佐藤", "鈴木"], "phone": ["", "+81312345678"]}
    assert updated.actor_id == member.pk and updated.actor_label == "Alice"
    assert deleted.action == "delete"
    assert deleted.changes["last_name"] == ["鈴木", None]
    assert deleted.object_repr == "鈴木 太郎"
    assert created.at <= updated.at <= deleted.at


def test_a_change_through_the_api_records_the_key_the_ip_and_the_fields(tenant, api_client) -> None:
    ip = {"REMOTE_ADDR": "203.0.113.7"}
    created = api_client.post(
        "/api/v1/contacts/", {"last_name": "田中", "email": "t@example.jp"}, format="json", **ip
    )
    assert created.status_code == 201, created.content
    contact_id = created.json()["id"]
    url = f"/api/v1/contacts/{contact_id}/"
    assert api_client.patch(url, {"first_name": "花子"}, format="json", **ip).status_code == 200
    assert api_client.delete(url, **ip).status_code == 204
    entries = _entries(tenant, object_type="contacts.contact", object_id=str(contact_id))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[1].changes == {"first_name": ["", "花子"]}
    for entry in entries:
        assert entry.ip == "203.0.113.7"
        assert entry.actor_id is None and entry.actor_label == "API key test key"
        assert entry.at is not None


def test_a_change_through_a_page_records_the_person_and_their_ip(
    tenant, member, member_client
) -> None:
    contact = make_contact(tenant, last_name="佐藤")
    response = member_client.post(
        reverse("contacts:edit", kwargs={"contact_id": contact.pk}),
        {"last_name": "佐藤", "first_name": "次郎"},
        REMOTE_ADDR="198.51.100.4",
        HTTP_USER_AGENT="TestBrowser/1.0",
    )
    assert response.status_code == 302, response.content
    (entry,) = _entries(tenant, object_id=str(contact.pk), action="update")
    assert entry.changes == {"first_name": ["太郎", "次郎"]}
    assert entry.actor_id == member.pk
    assert entry.ip == "198.51.100.4" and entry.user_agent == "TestBrowser/1.0"


def test_entries_belong_to_their_tenant_only(tenant, other_tenant) -> None:
    make_contact(tenant, last_name="AlphaPerson")
    assert not [e for e in _entries(other_tenant) if "AlphaPerson" in e.object_repr]
    with connection.cursor() as cursor:  # no tenant: row-level security shows nothing
        cursor.execute("SELECT count(*) FROM core_auditlog")
        assert cursor.fetchone()[0] == 0
