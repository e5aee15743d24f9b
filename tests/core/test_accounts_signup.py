"""Sign-up, e-mail verification, login, logout and password reset through allauth, with the
mails read from the real SMTP server."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from crm.core.context import tenant_context
from crm.core.models import AuditLog, Membership, Tenant, User
from crm.core.roles import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plum-blossom-kyoto-2026"


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"  # messages asserted below are allauth's English ones


def link_in(body: str) -> str:
    match = re.search(r"https?://testserver(/\S+)", body)
    assert match, body
    return match.group(1)


def signup(client: Client, **data: Any) -> Any:
    payload = {
        "company_name": "さくら商事",
        "display_name": "Sakura Taro",
        "email": "taro@sakura.example.jp",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    payload.update(data)
    return client.post("/accounts/signup/", payload)


def test_it_signs_up_a_company_and_logs_in_after_verifying_the_mail(client, inbox) -> None:
    response = signup(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"

    user = User.objects.get(email="taro@sakura.example.jp")
    assert user.display_name == "Sakura Taro"
    tenant = Tenant.objects.get(name="さくら商事")
    with tenant_context(tenant):
        assert Membership.objects.get(user=user).role == Role.OWNER
        assert AuditLog.objects.filter(object_type="core.tenant").exists()
    # Mandatory verification: not logged in yet.
    assert client.get("/").status_code == 302

    mail = inbox.wait_for("taro@sakura.example.jp")
    assert "[CRM]" in mail["Subject"]
    confirm_url = link_in(inbox.body(mail))
    page = client.get(confirm_url)
    assert page.status_code == 200
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    home = client.get(response["Location"], follow=True)
    assert home.status_code == 200
    assert "さくら商事" in home.content.decode()


def test_it_refuses_a_taken_email_and_creates_nothing(client, member, tenant, inbox) -> None:
    tenants_before = Tenant.objects.count()
    response = signup(client, email="ALICE@alpha.example.com", company_name="Copycat KK")
    assert response.status_code == 200
    body = response.content.decode()
    assert "already registered" in body
    assert 'class="form-control is-invalid"' in body or "is-invalid" in body
    assert Tenant.objects.count() == tenants_before
    assert not Tenant.objects.filter(name="Copycat KK").exists()
    assert User.objects.filter(email__iexact="alice@alpha.example.com").count() == 1
    assert inbox.to("alice@alpha.example.com") == []


def test_it_keeps_what_was_typed_when_the_passwords_differ(client) -> None:
    response = signup(client, password2="something-else-entirely")
    assert response.status_code == 200
    assert "さくら商事" in response.content.decode()
    assert not User.objects.filter(email="taro@sakura.example.jp").exists()
    assert not Tenant.objects.filter(name="さくら商事").exists()


def test_the_signup_and_login_pages_use_bootstrap_fields(client) -> None:
    for url in ("/accounts/signup/", "/accounts/login/", "/accounts/password/reset/"):
        body = client.get(url).content.decode()
        assert 'class="form-control"' in body, url
        assert "form-label" in body, url


def test_it_logs_in_and_out(client, member, tenant) -> None:
    response = client.post(
        "/accounts/login/", {"login": "alice@alpha.example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    response = client.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_wrong_password_says_so(client, member, tenant) -> None:
    response = client.post(
        "/accounts/login/", {"login": "alice@alpha.example.com", "password": "nope-nope-nope"}
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert client.get("/").status_code == 302


def test_password_reset_mails_a_link_that_sets_a_new_password(client, member, tenant, inbox):
    response = client.post("/accounts/password/reset/", {"email": "alice@alpha.example.com"})
    assert response.status_code == 302
    mail = inbox.wait_for("alice@alpha.example.com")
    reset_url = link_in(inbox.body(mail))
    response = client.get(reset_url)
    # allauth moves the key into the session and redirects to a key-less URL.
    form_url = response["Location"] if response.status_code == 302 else reset_url
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302

    fresh = Client()
    old = fresh.post("/accounts/login/", {"login": "alice@alpha.example.com", "password": PASSWORD})
    assert old.status_code == 200  # the old password no longer works
    new = fresh.post(
        "/accounts/login/", {"login": "alice@alpha.example.com", "password": NEW_PASSWORD}
    )
    assert new.status_code == 302
    assert fresh.get("/").status_code == 200


def test_password_reset_for_an_unknown_address_says_so(client, inbox) -> None:
    response = client.post("/accounts/password/reset/", {"email": "nobody@nowhere.example"})
    assert response.status_code == 200
    assert "not assigned to any user account" in response.content.decode()
    assert inbox.messages == []
