from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from contacts.models import Contact
from crm.core import context, db
from crm.core.context import NoTenantError, tenant_context
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_every_tenant_table_has_rls_enabled_forced_and_a_policy() -> None:
    with connection.cursor() as cursor:
        tables = db.tenant_tables(cursor)
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relname = ANY(%s)
            """,
            [tables],
        )
        rows = {name: (enabled, forced, policy) for name, enabled, forced, policy in cursor}
    assert "contacts_contact" in tables and "core_membership" in tables
    missing = {name: flags for name, flags in rows.items() if flags != (True, True, True)}
    assert missing == {}
    assert set(rows) == set(tables)


def test_app_role_is_neither_superuser_nor_bypassrls() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)


def test_raw_sql_without_tenant_returns_zero_rows(tenant) -> None:
    make_contact(tenant, last_name="佐藤")
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM contacts_contact")
        assert cursor.fetchone()[0] == 1  # the table is not empty...
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM contacts_contact")
        assert cursor.fetchone()[0] == 0  # ...but without a tenant nothing is visible


def test_raw_sql_sees_only_the_active_tenant(tenant, other_tenant) -> None:
    make_contact(tenant, last_name="Alpha")
    make_contact(other_tenant, last_name="Beta")
    with tenant_context(other_tenant), connection.cursor() as cursor:
        cursor.execute("SELECT last_name FROM contacts_contact")
        assert [r[0] for r in cursor.fetchall()] == ["Beta"]


def test_writes_into_another_tenant_are_refused_by_the_database(tenant, other_tenant) -> None:
    from django.db import DatabaseError, transaction

    with (
        tenant_context(tenant),
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO contacts_contact (tenant_id, last_name, first_name, last_name_kana,"
            " first_name_kana, email, phone, custom_fields, created_at, updated_at)"
            " VALUES (%s, 'x', '', '', '', '', '', '{}', now(), now())",
            [other_tenant.pk],
        )


def test_the_manager_fails_closed_without_a_tenant(tenant) -> None:
    with pytest.raises(NoTenantError):
        list(Contact.objects.all())


def test_the_manager_filters_by_the_active_tenant(tenant, other_tenant) -> None:
    make_contact(tenant, last_name="Alpha")
    make_contact(other_tenant, last_name="Beta")
    with tenant_context(tenant):
        assert [c.last_name for c in Contact.objects.all()] == ["Alpha"]


def test_context_is_restored_when_the_block_raises(tenant) -> None:
    with pytest.raises(ZeroDivisionError), tenant_context(tenant):
        1 / 0  # noqa: B018
    assert context.current_tenant() is None


@pytest.mark.django_db(transaction=True)
def test_a_reused_connection_carries_no_tenant_into_the_next_request(
    settings, tenant, member
) -> None:
    """Two requests on one connection (CONN_MAX_AGE > 0 keeps it open); the first raises
    mid-request. Afterwards, raw SQL on that connection sees no rows."""
    from django.urls import path

    make_contact(tenant, last_name="佐藤")
    client = Client(raise_request_exception=False)
    client.force_login(member)
    # 1) a request that raises inside the tenant context
    settings.ROOT_URLCONF = "tests.core.urls_boom"
    response = client.get("/boom/")
    assert response.status_code == 500
    # 2) the same thread / connection, no tenant
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM contacts_contact")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT current_setting('app.tenant_id', true)")
        assert cursor.fetchone()[0] in ("", None)
    assert context.current_tenant() is None
    assert path  # imported for the urlconf module below
