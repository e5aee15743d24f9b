"""Login history (one row per tenant of the person, with IP and browser), the admin page
with its filters, and the lockout after repeated wrong passwords."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.models import LoginEvent, Tenant
from crm.core.roles import Role
from crm.core.services.tenants import membership_add
from tests.factories import PASSWORD, make_member, make_user

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0"


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def login(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        HTTP_USER_AGENT=UA,
        REMOTE_ADDR="203.0.113.7",
    )


def events(tenant: Tenant) -> list[LoginEvent]:
    with tenant_context(tenant):
        return list(LoginEvent.objects.order_by("id"))


def test_a_login_is_recorded_in_each_tenant_of_the_user(tenant, other_tenant, member) -> None:
    membership_add(tenant=other_tenant, user=member, role=Role.VIEWER)
    assert login(Client(), member.email).status_code == 302
    for t in (tenant, other_tenant):
        [event] = events(t)
        assert event.success and event.user_id == member.pk
        assert event.ip == "203.0.113.7"
        assert event.user_agent == UA


def test_a_wrong_password_is_recorded_for_a_known_address_only(tenant, member) -> None:
    assert login(Client(), member.email, "wrong-password-1").status_code == 200
    assert login(Client(), "ghost@nowhere.example", "wrong-password-1").status_code == 200
    [event] = events(tenant)
    assert not event.success
    assert event.reason == "wrong_password"
    assert event.email == member.email
    assert LoginEvent.all_tenants.filter(email="ghost@nowhere.example").count() == 0


def test_after_five_wrong_passwords_even_the_right_one_is_refused(tenant, member) -> None:
    bob = make_member(tenant, Role.SALES, email="bob2@alpha.example.com")
    client = Client()
    for _ in range(5):
        assert login(client, member.email, "wrong-password-1").status_code == 200
    response = login(client, member.email)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get("/").status_code == 302  # not logged in
    assert events(tenant)[-1].reason == "locked"
    # Another account is not affected, even from the same browser and address.
    assert login(Client(), bob.email).status_code == 302


def test_the_login_history_page_filters_and_pages(member_client, tenant, member) -> None:
    rep = make_member(tenant, Role.SALES, email="rep@alpha.example.com")
    login(Client(), rep.email)
    login(Client(), rep.email, "wrong-password-1")
    login(Client(), member.email)
    url = reverse("settings:logins")

    body = member_client.get(url).content.decode()
    assert body.count("<tr>") == 4  # header + 3 events
    assert "203.0.113.7" in body and "TestBrowser" in body

    with tenant_context(tenant):
        rep_membership = tenant.pk and rep.memberships.get(tenant=tenant)
    body = member_client.get(url, {"user": rep_membership.pk}).content.decode()
    assert body.count("<tr>") == 3
    body = member_client.get(url, {"user": rep_membership.pk, "success": "no"}).content.decode()
    assert body.count("<tr>") == 2 and "Wrong password" in body

    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    body = member_client.get(url, {"since": tomorrow}).content.decode()
    assert "No logins match" in body
    body = member_client.get(url, {"since": tomorrow, "until": "2020-01-01"}).content.decode()
    assert "on or after" in body


def test_the_login_history_pages_by_id_with_constant_queries(
    member_client, tenant, member, django_assert_num_queries
) -> None:
    with tenant_context(tenant):
        LoginEvent.objects.bulk_create(
            [
                LoginEvent(tenant=tenant, user=member, email=member.email, success=True)
                for _ in range(60)
            ]
        )
        ids = list(LoginEvent.objects.order_by("-id").values_list("id", flat=True))
    url = reverse("settings:logins")
    member_client.get(url)
    with CaptureQueriesContext(connection) as first:
        body = member_client.get(url).content.decode()
    assert f"before={ids[49]}" in body
    with django_assert_num_queries(len(first.captured_queries)):
        second = member_client.get(url, {"before": ids[49]}).content.decode()
    assert second.count("<tr>") == 11  # header + the 10 oldest
    assert "Older</a>" not in second


def test_only_admins_see_the_login_history(client, tenant) -> None:
    client.force_login(make_member(tenant, Role.MANAGER))
    assert client.get(reverse("settings:logins")).status_code == 403


def test_another_tenants_logins_are_not_shown(member_client, tenant, other_tenant, outsider):
    stranger = make_user("stranger@beta.example.com")
    membership_add(tenant=other_tenant, user=stranger, role=Role.SALES)
    login(Client(), stranger.email)
    assert events(other_tenant)
    body = member_client.get(reverse("settings:logins")).content.decode()
    assert "stranger@beta.example.com" not in body
