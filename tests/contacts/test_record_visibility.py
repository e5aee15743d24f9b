"""Record visibility ('own_team'): sales reps see their own and their team's records,
managers their team's, admins and owners everything; the same rule in pages and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from contacts import selectors
from contacts.services import company_create
from crm.core.context import tenant_context
from crm.core.models import ApiKey, Membership, Tenant
from crm.core.roles import Role
from crm.core.services.apikeys import api_key_create
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(tenant, member) -> dict[str, Any]:
    """Manager M leads reps R1 and R2; rep R3 has another manager M2."""
    users = {
        "m": make_member(tenant, Role.MANAGER),
        "m2": make_member(tenant, Role.MANAGER),
        "r1": make_member(tenant, Role.SALES),
        "r2": make_member(tenant, Role.SALES),
        "r3": make_member(tenant, Role.SALES),
        "admin": make_member(tenant, Role.ADMIN),
        "support": make_member(tenant, Role.SUPPORT),
    }
    with tenant_context(tenant):
        ms = {k: Membership.objects.get(user=u) for k, u in users.items()}
        for rep in ("r1", "r2"):
            Membership.objects.filter(pk=ms[rep].pk).update(manager=ms["m"])
        Membership.objects.filter(pk=ms["r3"].pk).update(manager=ms["m2"])
        Tenant.objects.filter(pk=tenant.pk).update(record_visibility="own_team")
    contacts = {k: make_contact(tenant, last_name=f"of-{k}", owner=u.pk) for k, u in users.items()}
    contacts["nobody"] = make_contact(tenant, last_name="of-nobody")
    return {"users": users, "contacts": contacts}


def visible_names(tenant: Any, user: Any) -> set[str]:
    with tenant_context(tenant):
        tenant = Tenant.objects.get(pk=tenant.pk)
        membership = Membership.objects.get(user=user)
        return {c.last_name for c in selectors.visible_contacts(tenant, membership)}


def test_a_rep_sees_their_own_and_their_teams_records(tenant, team) -> None:
    team_names = {"of-m", "of-r1", "of-r2"}
    assert visible_names(tenant, team["users"]["r1"]) == team_names
    assert visible_names(tenant, team["users"]["r3"]) == {"of-m2", "of-r3"}


def test_a_manager_sees_their_team(tenant, team) -> None:
    assert visible_names(tenant, team["users"]["m"]) == {"of-m", "of-r1", "of-r2"}


def test_admins_owners_and_support_see_everything(tenant, team, member) -> None:
    everything = {f"of-{k}" for k in team["contacts"]}
    assert visible_names(tenant, team["users"]["admin"]) == everything
    assert visible_names(tenant, member) == everything
    assert visible_names(tenant, team["users"]["support"]) == everything


def test_with_the_default_setting_everyone_sees_everything(tenant, team) -> None:
    with tenant_context(tenant):
        Tenant.objects.filter(pk=tenant.pk).update(record_visibility="all")
    assert len(visible_names(tenant, team["users"]["r3"])) == len(team["contacts"])


def test_pages_hide_other_teams_records_as_not_found(client, tenant, team) -> None:
    client.force_login(team["users"]["r3"])
    page = client.get(reverse("contacts:list")).content.decode()
    assert "of-r3" in page and "of-r1" not in page
    hidden = team["contacts"]["r1"]
    assert client.get(reverse("contacts:detail", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("contacts:edit", args=[hidden.pk])).status_code == 404
    client.post(reverse("contacts:bulk"), {"ids": [hidden.pk], "action": "add_tag", "tag": "x"})
    with tenant_context(tenant):
        hidden.refresh_from_db()
    assert hidden.tags == []


def test_the_api_applies_the_same_rule_for_sessions_and_keys(client, tenant, team) -> None:
    rep = team["users"]["r3"]
    api = APIClient()
    api.force_login(rep)
    names = {row["last_name"] for row in api.get("/api/v1/contacts/").json()["results"]}
    assert names == {"of-m2", "of-r3"}
    hidden = team["contacts"]["r1"]
    assert api.get(f"/api/v1/contacts/{hidden.pk}/").status_code == 404
    # a sales-role key made by the rep has the rep's view
    with tenant_context(tenant):
        _key, raw = api_key_create(tenant=tenant, name="rep key", role=Role.SALES, actor=rep)
        assert ApiKey.objects.get(name="rep key").created_by == rep
    by_key = APIClient()
    by_key.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    names = {row["last_name"] for row in by_key.get("/api/v1/contacts/").json()["results"]}
    assert names == {"of-m2", "of-r3"}


def test_companies_follow_the_same_rule(client, tenant, team) -> None:
    with tenant_context(tenant):
        theirs = company_create(tenant=tenant, name="R1の会社", owner=team["users"]["r1"].pk)
        mine = company_create(tenant=tenant, name="R3の会社", owner=team["users"]["r3"].pk)
    client.force_login(team["users"]["r3"])
    page = client.get(reverse("contacts:company_list")).content.decode()
    assert "R3の会社" in page and "R1の会社" not in page
    assert client.get(reverse("contacts:company_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("contacts:company_detail", args=[mine.pk])).status_code == 200


def _settings(tenant, **changed):
    values = {
        "name": tenant.name,
        "time_zone": tenant.time_zone,
        "language": tenant.language,
        "require_2fa": tenant.require_2fa,
    }
    return {**values, **changed}


def test_the_setting_is_changed_through_an_audited_service(tenant, member) -> None:
    from crm.core.models import AuditLog
    from crm.core.services.accounts import AccountError, tenant_update_settings

    with tenant_context(tenant):
        with pytest.raises(AccountError):
            tenant_update_settings(
                tenant=tenant, actor=member, **_settings(tenant, record_visibility="nobody")
            )
        assert Tenant.objects.get(pk=tenant.pk).record_visibility == "all"  # nothing changed
        tenant_update_settings(
            tenant=tenant, actor=member, **_settings(tenant, record_visibility="own_team")
        )
        entry = AuditLog.objects.filter(object_type="core.tenant").latest("id")
        assert Tenant.objects.get(pk=tenant.pk).record_visibility == "own_team"
    assert entry.changes == {"record_visibility": ["all", "own_team"]}


def test_an_admin_sets_it_on_the_tenant_settings_page(member_client, tenant) -> None:
    page = member_client.get(reverse("settings:tenant")).content.decode()
    assert 'name="record_visibility"' in page
    response = member_client.post(
        reverse("settings:tenant"), _settings(tenant, record_visibility="own_team")
    )
    assert response.status_code == 302
    assert Tenant.objects.get(pk=tenant.pk).record_visibility == "own_team"
