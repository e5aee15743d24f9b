"""Settings → CTI: the signing secret and the extensions."""

from __future__ import annotations

import pytest
from django.test import Client

from contacts.cti.models import CtiExtension, CtiSettings
from crm.core.context import tenant_context
from crm.core.models import AuditLog
from tests.factories import make_member

pytestmark = pytest.mark.django_db
PAGE = "/settings/cti/"


def test_an_admin_generates_then_reveals_then_rotates_the_secret(tenant, member_client) -> None:
    page = member_client.get(PAGE).content.decode()
    assert "cti-generate" in page and "/api/v1/cti/calls/" in page
    created = member_client.post(f"{PAGE}secret/", {"action": "rotate"})
    with tenant_context(tenant):
        first = CtiSettings.objects.get().secret
    assert first in created.content.decode()
    assert first not in member_client.get(PAGE).content.decode()  # not shown again unasked
    revealed = member_client.post(f"{PAGE}secret/", {"action": "reveal"})
    assert first in revealed.content.decode()
    assert revealed["Cache-Control"].startswith("max-age=0")
    member_client.post(f"{PAGE}secret/", {"action": "rotate"})
    with tenant_context(tenant):
        assert CtiSettings.objects.get().secret != first
        logged = list(AuditLog.objects.filter(object_type="contacts.ctisettings"))
    assert len(logged) == 3
    assert all(first not in str(entry.changes) for entry in logged)


def test_a_sales_rep_cannot_see_the_cti_settings(tenant) -> None:
    client = Client()
    client.force_login(make_member(tenant, "sales"))
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}secret/", {"action": "reveal"}).status_code == 403


def test_an_admin_gives_a_member_an_extension(tenant, member_client) -> None:
    agent = make_member(tenant, "support", email="agent@alpha.example.com")
    response = member_client.post(PAGE, {"user": agent.pk, "extension": "２０１"})
    assert response.status_code == 302
    with tenant_context(tenant):
        assert CtiExtension.objects.get(user=agent).extension == "201"


def test_an_extension_already_taken_is_refused_next_to_the_field(tenant, member, member_client):
    agent = make_member(tenant, "support", email="agent@alpha.example.com")
    member_client.post(PAGE, {"user": agent.pk, "extension": "201"})
    response = member_client.post(PAGE, {"user": member.pk, "extension": "201"})
    assert response.status_code == 200
    assert 'data-testid="error-extension"' in response.content.decode()
    assert "agent@alpha.example.com" in response.content.decode()
    with tenant_context(tenant):
        assert list(CtiExtension.objects.values_list("user_id", flat=True)) == [agent.pk]


def test_a_malformed_extension_says_what_to_type(tenant, member, member_client) -> None:
    response = member_client.post(PAGE, {"user": member.pk, "extension": "abc"})
    assert 'data-testid="error-extension"' in response.content.decode()
    with tenant_context(tenant):
        assert not CtiExtension.objects.exists()


def test_another_tenants_member_cannot_be_given_an_extension(
    tenant, member_client, outsider
) -> None:
    response = member_client.post(PAGE, {"user": outsider.pk, "extension": "201"})
    assert response.status_code == 200
    with tenant_context(tenant):
        assert not CtiExtension.objects.exists()


def test_removing_an_extension(tenant, member, member_client) -> None:
    member_client.post(PAGE, {"user": member.pk, "extension": "201"})
    with tenant_context(tenant):
        row = CtiExtension.objects.get()
    assert member_client.post(f"{PAGE}extensions/{row.pk}/delete/").status_code == 302
    with tenant_context(tenant):
        assert not CtiExtension.objects.exists()


def test_the_settings_menu_links_the_cti_page_for_admins(member_client) -> None:
    assert 'href="/settings/cti/"' in member_client.get("/contacts/").content.decode()
