"""Tenant settings (name, time zone, default language, require 2FA), the tenant's time zone
per request, and the user's own language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.models import AuditLog, LoginEvent, Tenant, User
from crm.core.roles import Role
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def post_settings(client: Client, **data: Any) -> Any:
    payload = {"name": "Alpha 株式会社", "time_zone": "Asia/Tokyo", "language": "ja"}
    payload.update(data)
    return client.post(reverse("settings:tenant"), payload)


def test_an_admin_changes_the_tenant_settings_and_it_is_audited(member_client, tenant) -> None:
    response = post_settings(
        member_client, name="Alpha ホールディングス", time_zone="Europe/Berlin", language="en"
    )
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.name, tenant.time_zone, tenant.language) == (
        "Alpha ホールディングス",
        "Europe/Berlin",
        "en",
    )
    with tenant_context(tenant):
        entry = AuditLog.objects.filter(object_type="core.tenant").latest("id")
    assert entry.changes["time_zone"] == ["Asia/Tokyo", "Europe/Berlin"]


def test_an_unknown_time_zone_is_refused_and_nothing_changes(member_client, tenant) -> None:
    response = post_settings(member_client, name="Renamed", time_zone="Mars/Olympus_Mons")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mars/Olympus_Mons" in body and "not a time zone we know" in body
    assert "is-invalid" in body
    tenant.refresh_from_db()
    assert (tenant.name, tenant.time_zone) == ("Alpha 株式会社", "Asia/Tokyo")


def test_require_2fa_needs_the_admins_own_authenticator_first(member_client, tenant, member):
    response = post_settings(member_client, require_2fa="on")
    assert response.status_code == 200
    assert "Turn on two-factor authentication for your own account first" in (
        response.content.decode()
    )
    tenant.refresh_from_db()
    assert not tenant.require_2fa
    Authenticator.objects.create(user=member, type=Authenticator.Type.TOTP, data={})
    assert post_settings(member_client, require_2fa="on").status_code == 302
    tenant.refresh_from_db()
    assert tenant.require_2fa


def test_only_settings_managers_reach_the_page(client, tenant) -> None:
    client.force_login(make_member(tenant, Role.MANAGER))
    assert client.get(reverse("settings:tenant")).status_code == 403
    assert post_settings(client, require_2fa="on").status_code == 403


def test_times_are_shown_in_the_tenants_time_zone(member_client, tenant, member) -> None:
    with tenant_context(tenant):
        event = LoginEvent.objects.create(
            tenant=tenant, user=member, email=member.email, success=True
        )
        LoginEvent.objects.filter(pk=event.pk).update(
            at=dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
        )
    url = reverse("settings:logins")
    assert "2026-01-01 09:00:00" in member_client.get(url).content.decode()  # Asia/Tokyo
    Tenant.objects.filter(pk=tenant.pk).update(time_zone="America/New_York")
    assert "2025-12-31 19:00:00" in member_client.get(url).content.decode()


def test_the_users_saved_language_wins_and_the_switcher_still_works(member_client, member) -> None:
    User.objects.filter(pk=member.pk).update(language="en")
    member_client.cookies["django_language"] = "ja"
    assert '<html lang="en">' in member_client.get("/").content.decode()
    response = member_client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == "ja"
    assert '<html lang="ja">' in member_client.get("/").content.decode()


def test_without_a_saved_language_the_browsers_choice_applies(client) -> None:
    client.cookies["django_language"] = "ja"
    assert '<html lang="ja">' in client.get(reverse("account_login")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert '<html lang="en">' in client.get(reverse("account_login")).content.decode()


def test_the_tenant_zone_falls_back_to_tokyo_for_an_unknown_name(tenant) -> None:
    from zoneinfo import ZoneInfo

    tenant.time_zone = "Europe/Berlin"
    assert tenant.zone == ZoneInfo("Europe/Berlin")
    for broken in ("Mars/Olympus", "", "../etc"):
        tenant.time_zone = broken
        assert tenant.zone == ZoneInfo("Asia/Tokyo")
