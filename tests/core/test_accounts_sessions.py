"""Sessions: idle expiry after SESSION_COOKIE_AGE, and the tenant switcher."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.core.middleware import SessionIdleRefreshMiddleware
from crm.core.roles import Role
from crm.core.services.tenants import membership_add
from tests.factories import PASSWORD, make_contact

pytestmark = pytest.mark.django_db


def login(client: Client, email: str) -> None:
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302


def test_each_request_restarts_the_idle_clock(tenant, member) -> None:
    client = Client()
    login(client, member.email)
    client.get("/")
    store = SessionStore(client.session.session_key)
    remaining = store.get_expiry_date() - timezone.now()
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert dt.timedelta(hours=7, minutes=59) < remaining <= dt.timedelta(hours=8)


def session_writes(client: Client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "django_session" in q["sql"]
    ]


def test_the_idle_clock_is_restarted_at_most_once_a_minute(tenant, member, settings) -> None:
    """A page or htmx call right after another writes no session; once the last refresh is
    older than SESSION_REFRESH_SECONDS the next request saves it with a new expiry."""
    assert settings.SESSION_REFRESH_SECONDS == 60
    client = Client()
    login(client, member.email)
    client.get("/")
    assert session_writes(client, "/") == []
    assert session_writes(client, reverse("contacts:list")) == []
    key = client.session.session_key
    store = SessionStore(key)
    store[SessionIdleRefreshMiddleware.KEY] = int(time.time()) - 61
    store.save()
    # As if the last save was seven hours ago.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + dt.timedelta(hours=1)
    )
    assert len(session_writes(client, "/")) == 1
    remaining = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert dt.timedelta(hours=7, minutes=59) < remaining <= dt.timedelta(hours=8)
    assert session_writes(client, "/") == []


def test_an_anonymous_visit_creates_no_session(tenant) -> None:
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("account_login"))
    assert not any("django_session" in q["sql"] for q in queries.captured_queries)
    assert "sessionid" not in client.cookies


def test_an_idle_session_past_its_age_is_logged_out(tenant, member) -> None:
    client = Client()
    login(client, member.email)
    assert client.get("/").status_code == 200
    # Eight hours and a minute of silence: the stored session's expiry lies in the past.
    store = SessionStore(client.session.session_key)
    store.set_expiry(timezone.now() - dt.timedelta(minutes=1))
    store.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_switcher_moves_between_tenants_and_shows_only_that_tenants_data(
    tenant, other_tenant, member
) -> None:
    membership_add(tenant=other_tenant, user=member, role=Role.SALES)
    make_contact(tenant, last_name="アルファ顧客")
    make_contact(other_tenant, last_name="ベータ顧客")
    client = Client()
    login(client, member.email)
    body = client.get(reverse("contacts:list")).content.decode()
    assert "アルファ顧客" in body and "ベータ顧客" not in body
    assert 'data-testid="tenant-switcher"' in body

    response = client.post(
        reverse("switch_tenant"), {"tenant_id": other_tenant.pk, "next": "/contacts/"}
    )
    assert response.status_code == 302
    body = client.get(reverse("contacts:list")).content.decode()
    assert "ベータ顧客" in body and "アルファ顧客" not in body
    assert "Beta 合同会社" in body


def test_switching_to_a_tenant_one_does_not_belong_to_is_404(
    tenant, other_tenant, member_client: Any
) -> None:
    response = member_client.post(
        reverse("switch_tenant"), {"tenant_id": other_tenant.pk, "next": "/"}
    )
    assert response.status_code == 404
