"""Settings → API keys: list, create (the key shown once), revoke; hashed storage; the
create_api_key command."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from crm.core.api.auth import hash_key
from crm.core.context import tenant_context
from crm.core.models import ApiKey, AuditLog
from crm.core.roles import Role
from tests.factories import make_api_key, make_member

pytestmark = pytest.mark.django_db

URL = "/settings/api-keys/"


def _keys(tenant) -> list[ApiKey]:
    with tenant_context(tenant):
        return list(ApiKey.objects.order_by("id"))


def _create(client, name="ERP sync", role="sales"):
    return client.post(URL, {"name": name, "role": role})


def test_an_admin_creates_a_key_and_sees_it_exactly_once(tenant, member, member_client) -> None:
    response = _create(member_client)
    assert response.status_code == 200
    raw = response.context["raw_key"]
    assert raw.startswith("crm_") and len(raw) > 40
    body = response.content.decode()
    assert raw in body and 'data-copy-target="#new-api-key"' in body
    assert "js/apikeys.js" in body and "<script>" not in body
    assert "no-store" in response["Cache-Control"]
    (key,) = [k for k in _keys(tenant) if k.name == "ERP sync"]
    assert key.role == "sales" and key.created_by_id == member.pk
    assert key.prefix == raw[:10] and key.key_hash == hash_key(raw)
    later = member_client.get(URL).content.decode()
    assert raw not in later and key.prefix in later  # never again, but recognisable


def test_the_raw_key_is_stored_nowhere_in_the_database(tenant, member_client) -> None:
    raw = _create(member_client).context["raw_key"]
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        hits = []
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {quoted} t WHERE t::text LIKE %s", [f"%{raw}%"])
            if cursor.fetchone()[0]:
                hits.append(table)
        # the search itself works: the hash is found where it belongs
        cursor.execute(
            "SELECT count(*) FROM core_apikey t WHERE t::text LIKE %s", [f"%{hash_key(raw)}%"]
        )
        assert cursor.fetchone()[0] == 1
    assert "core_apikey" in tables and "core_auditlog" in tables
    assert hits == []


def test_the_new_key_works_with_the_role_it_was_given(tenant, member_client) -> None:
    raw = _create(member_client, role="viewer").context["raw_key"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/contacts/").status_code == 200
    assert api.post("/api/v1/contacts/", {"last_name": "x"}, format="json").status_code == 403


def test_creating_a_key_is_audited_without_the_key(tenant, member, member_client) -> None:
    raw = _create(member_client).context["raw_key"]
    with tenant_context(tenant):
        entry = AuditLog.objects.filter(object_type="core.apikey").latest("id")
    assert entry.action == "create" and entry.actor_id == member.pk
    assert entry.changes == {"name": [None, "ERP sync"], "role": [None, "sales"]}
    assert raw not in str(entry.changes) and raw[:10] in entry.object_repr


@pytest.mark.parametrize(
    ("name", "role", "field"),
    [
        ("", "sales", "name"),
        ("   ", "sales", "name"),
        ("x" * 101, "sales", "name"),
        ("ok", "superuser", "role"),
    ],
    ids=["empty", "blank", "too-long", "unknown-role"],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_stored(
    tenant, member_client, name, role, field
) -> None:
    before = len(_keys(tenant))
    response = _create(member_client, name=name, role=role)
    assert response.status_code == 400
    assert response.context["raw_key"] is None
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert len(_keys(tenant)) == before


def test_an_admin_cannot_mint_an_owner_key_but_an_owner_can(tenant, member_client) -> None:
    admin = make_member(tenant, Role.ADMIN)
    c = Client()
    c.force_login(admin)
    page = c.get(URL)
    assert "owner" not in dict(page.context["form"].fields["role"].choices)
    refused = _create(c, name="Too strong", role="owner")
    assert refused.status_code == 400 and refused.context["raw_key"] is None
    assert _create(member_client, name="Owner's own", role="owner").status_code == 200
    assert {k.name: k.role for k in _keys(tenant)}.get("Owner's own") == "owner"
    assert "Too strong" not in {k.name for k in _keys(tenant)}


def test_the_list_shows_prefix_role_creator_last_use_and_state(tenant, member_client) -> None:
    raw = make_api_key(tenant, role=Role.MARKETER, name="BI dashboard")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    api.get("/api/v1/contacts/")
    response = member_client.get(URL)
    assert response.status_code == 200
    (key,) = [k for k in response.context["keys"] if k.name == "BI dashboard"]
    assert key.last_used_at is not None
    body = response.content.decode()
    assert f"{raw[:10]}…" in body and "BI dashboard" in body
    assert f'data-testid="revoke-{key.pk}"' in body and "data-confirm=" in body


def test_the_empty_state_says_what_to_do(member_client) -> None:
    response = member_client.get(URL)
    assert response.context["keys"] == []
    assert "empty-state" in response.content.decode()


def test_revoking_needs_a_post_and_then_the_key_is_refused(tenant, member, member_client) -> None:
    raw = make_api_key(tenant, name="Old integration")
    (key,) = [k for k in _keys(tenant) if k.name == "Old integration"]
    url = f"/settings/api-keys/{key.pk}/revoke/"
    assert member_client.get(url).status_code == 405
    response = member_client.post(url)
    assert response.status_code == 302 and response["Location"] == URL
    with tenant_context(tenant):
        key.refresh_from_db()
        entry = AuditLog.objects.filter(object_type="core.apikey", action="update").latest("id")
    assert key.revoked_at is not None
    assert entry.actor_id == member.pk and "revoked_at" in entry.changes
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    refused = api.get("/api/v1/contacts/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 401
    error = refused.json()["error"]
    assert error["code"] == "api_key_revoked"
    assert error["message"].startswith("This API key was revoked on ")
    assert refused["WWW-Authenticate"] == "Bearer"
    # a second revoke changes nothing and says so
    assert member_client.post(url).status_code == 302
    with tenant_context(tenant):
        assert AuditLog.objects.filter(object_type="core.apikey", action="update").count() == 1


def test_only_key_managers_reach_the_page(tenant) -> None:
    for role, status in [(Role.ADMIN, 200), (Role.MANAGER, 403), (Role.VIEWER, 403)]:
        c = Client()
        c.force_login(make_member(tenant, role))
        assert c.get(URL).status_code == status, role
        assert _create(c, name=f"by {role}").status_code == status, role


# --- the management command -------------------------------------------------------------


def test_the_command_prints_the_key_alone_on_the_last_line(tenant, capsys) -> None:
    call_command("create_api_key", "--tenant", "alpha", "--name", "Nightly ERP", "--role", "sales")
    lines = capsys.readouterr().out.strip().splitlines()
    raw = lines[-1]
    assert raw.startswith("crm_") and " " not in raw
    (key,) = [k for k in _keys(tenant) if k.name == "Nightly ERP"]
    assert key.role == "sales" and key.key_hash == hash_key(raw) and key.created_by is None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/contacts/").status_code == 200


def test_the_command_defaults_to_a_viewer_key(tenant, capsys) -> None:
    call_command("create_api_key", "--tenant", "alpha", "--name", "Read only")
    assert {k.name: k.role for k in _keys(tenant)}["Read only"] == "viewer"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "nope", "--name", "x"], "No tenant with the slug 'nope'"),
        (["--tenant", "alpha", "--name", "x", "--role", "god"], "Unknown role 'god'"),
        (["--tenant", "alpha", "--name", "  "], "name"),
    ],
    ids=["unknown-tenant", "unknown-role", "blank-name"],
)
def test_the_command_explains_bad_arguments(tenant, args, message) -> None:
    before = len(_keys(tenant))
    with pytest.raises(CommandError, match=message):
        call_command("create_api_key", *args)
    assert len(_keys(tenant)) == before


def test_another_tenants_key_cannot_be_revoked_or_seen(tenant, other_tenant, outsider_client):
    make_api_key(tenant, name="Alpha integration")
    (key,) = [k for k in _keys(tenant) if k.name == "Alpha integration"]
    assert outsider_client.post(f"/settings/api-keys/{key.pk}/revoke/").status_code == 404
    assert "Alpha integration" not in outsider_client.get(URL).content.decode()
    (key,) = [k for k in _keys(tenant) if k.name == "Alpha integration"]
    assert key.revoked_at is None
