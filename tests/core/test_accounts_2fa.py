"""Two-factor authentication: a tenant that requires it sends members without an
authenticator to set one up; the codes are computed here with RFC 6238 (not allauth's code)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from crm.core.models import Tenant
from crm.core.roles import Role
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238: HMAC-SHA1 over the 30-second counter, dynamic truncation, 6 digits."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def password_login(client: Client, email: str) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD})


def require_2fa(tenant: Tenant) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(require_2fa=True)


def activate_totp(client: Client) -> str:
    page = client.get(reverse("mfa_activate_totp"))
    # allauth asks for the password again before a second factor is added.
    assert page.status_code == 302 and page["Location"].startswith(
        reverse("account_reauthenticate")
    )
    client.post(page["Location"], {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in page.content.decode()  # shown for manual entry
    response = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert response.status_code == 302, response.content.decode()[-2000:]
    return secret


def test_a_member_without_totp_is_sent_to_set_it_up_then_gets_in(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    require_2fa(tenant)
    client = Client()
    assert password_login(client, rep.email).status_code == 302
    for url in ("/", reverse("contacts:list"), reverse("settings:users")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    api = client.get("/api/v1/contacts/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "two_factor_required"
    # The pages needed to comply (and to leave) stay reachable.
    assert client.get(reverse("mfa_index")).status_code == 200

    activate_totp(client)
    assert Authenticator.objects.filter(user=rep, type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200


def test_a_wrong_code_does_not_activate(tenant, member) -> None:
    client = Client()
    password_login(client, member.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not Authenticator.objects.filter(user=member).exists()


def test_login_then_asks_for_the_code_and_accepts_a_computed_one(tenant, member) -> None:
    client = Client()
    password_login(client, member.email)
    secret = activate_totp(client)
    client.post(reverse("account_logout"))

    fresh = Client()
    response = password_login(fresh, member.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert fresh.get("/").status_code == 302  # not in yet
    bad = fresh.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert bad.status_code == 200
    assert fresh.get("/").status_code == 302
    # A code from two periods ago is refused too.
    old = fresh.post(reverse("mfa_authenticate"), {"code": totp(secret, time.time() - 90)})
    assert old.status_code == 200
    good = fresh.post(reverse("mfa_authenticate"), {"code": totp(secret)})
    assert good.status_code == 302
    assert fresh.get("/").status_code == 200


def test_the_user_menu_links_to_two_factor_settings(member_client) -> None:
    body = member_client.get("/").content.decode()
    assert reverse("mfa_index") in body


def test_switching_to_a_tenant_without_the_requirement_stays_possible(
    tenant, other_tenant, outsider
) -> None:
    from crm.core.services.tenants import membership_add

    membership_add(tenant=tenant, user=outsider, role=Role.SALES)
    require_2fa(other_tenant)
    client = Client()
    password_login(client, outsider.email)  # lands in B (first membership), which requires 2FA
    assert client.get("/").status_code == 302
    response = client.post(reverse("switch_tenant"), {"tenant_id": tenant.pk, "next": "/"})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "Alpha 株式会社" in home.content.decode()
