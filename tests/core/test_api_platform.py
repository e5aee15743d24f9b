"""REST API platform behaviour, end to end: authentication (API keys by role, browser
session with CSRF), cursor pagination, the one error format, tenant isolation, throttling."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from crm.core.roles import Role
from tests.factories import make_api_key, make_contact

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/contacts/"


def _client(tenant: Any, role: str = Role.ADMIN, name: str = "k") -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(tenant, role=role, name=name)}")
    return c


def _error(response: Any) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_a_key_of_each_role_reads_and_writes_as_its_role_allows(tenant, role) -> None:
    c = _client(tenant, role, name=role)
    assert c.get(CONTACTS).status_code == 200
    created = c.post(CONTACTS, {"last_name": f"by {role}"}, format="json")
    if role == Role.VIEWER:
        assert created.status_code == 403
        assert _error(created)["code"] == "permission_denied"
    else:
        assert created.status_code == 201, created.content


def test_only_roles_with_delete_rights_may_delete(tenant) -> None:
    contact = make_contact(tenant)
    assert _client(tenant, Role.SALES).delete(f"{CONTACTS}{contact.pk}/").status_code == 403
    assert _client(tenant, Role.MANAGER).delete(f"{CONTACTS}{contact.pk}/").status_code == 204


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "not_authenticated"),
        ("Bearer crm_not-a-real-key", "invalid_api_key"),
        ("Bearer", "authentication_failed"),
        ("Bearer two parts", "authentication_failed"),
    ],
    ids=["missing", "unknown", "empty", "malformed"],
)
def test_requests_without_a_valid_key_get_401_in_the_error_format(db, header, code) -> None:
    c = APIClient()
    if header:
        c.credentials(HTTP_AUTHORIZATION=header)
    response = c.get(CONTACTS)
    assert response.status_code == 401
    assert _error(response)["code"] == code
    assert response["WWW-Authenticate"] == "Bearer"


def test_the_bearer_scheme_name_is_case_insensitive(tenant) -> None:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"bearer {make_api_key(tenant)}")
    assert c.get(CONTACTS).status_code == 200


def test_the_browser_session_works_and_writes_need_the_csrf_token(tenant, member) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    make_contact(tenant, last_name="Visible")
    listed = browser.get(CONTACTS)
    assert listed.status_code == 200
    assert [c["last_name"] for c in listed.json()["results"]] == ["Visible"]
    refused = browser.post(CONTACTS, {"last_name": "x"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in _error(refused)["message"]
    browser.get("/")  # any page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    created = browser.post(
        CONTACTS, {"last_name": "佐藤"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert created.status_code == 201, created.content
    assert created.json()["last_name"] == "佐藤"


def test_a_logged_in_user_without_a_tenant_finds_nothing(db) -> None:
    from tests.factories import make_user

    c = Client()
    c.force_login(make_user("lonely@example.com"))
    response = c.get(CONTACTS)
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


# --- pagination ----------------------------------------------------------------------------


def test_contacts_page_with_a_cursor_newest_first(tenant, api_client) -> None:
    ids = [make_contact(tenant, last_name=f"N{n}").pk for n in range(5)]
    first = api_client.get(CONTACTS, {"page_size": 2}).json()
    assert [c["id"] for c in first["results"]] == [ids[4], ids[3]]
    assert first["previous"] is None and "cursor=" in first["next"]
    second = api_client.get(first["next"]).json()
    assert [c["id"] for c in second["results"]] == [ids[2], ids[1]]
    third = api_client.get(second["next"]).json()
    assert [c["id"] for c in third["results"]] == [ids[0]]
    assert third["next"] is None
    back = api_client.get(third["previous"]).json()
    assert [c["id"] for c in back["results"]] == [ids[2], ids[1]]
    assert "count" not in first  # no count(*) over a big table on every page


def test_the_page_size_is_capped(tenant, api_client) -> None:
    from contacts.models import Contact
    from crm.core.context import tenant_context

    with tenant_context(tenant):
        Contact.objects.bulk_create(Contact(tenant=tenant, last_name=f"N{n}") for n in range(501))
    response = api_client.get(CONTACTS, {"page_size": 100000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 500 and response.json()["next"]
    assert len(api_client.get(CONTACTS).json()["results"]) == 50  # the default


def test_a_forged_cursor_is_a_clear_404(api_client) -> None:
    response = api_client.get(CONTACTS, {"cursor": "not-a-cursor"})
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


# --- errors and isolation ------------------------------------------------------------------


def test_invalid_input_gets_400_with_messages_per_field_and_stores_nothing(
    tenant, api_client
) -> None:
    response = api_client.post(CONTACTS, {"email": "not-an-email"}, format="json")
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"last_name", "email"}
    assert all(isinstance(m, str) and m for m in error["fields"]["email"])
    assert api_client.get(CONTACTS).json()["results"] == []


def test_another_tenants_id_is_404_for_every_method(tenant, other_tenant, other_api_client):
    contact = make_contact(tenant, last_name="AlphaSecret")
    url = f"{CONTACTS}{contact.pk}/"
    for method in ("get", "patch", "put", "delete"):
        response = getattr(other_api_client, method)(url, {"last_name": "x"}, format="json")
        assert response.status_code == 404, method
        assert _error(response) == {"code": "not_found", "message": _error(response)["message"]}
        assert "AlphaSecret" not in response.content.decode()
    assert "AlphaSecret" not in other_api_client.get(CONTACTS).content.decode()


def test_an_unsupported_method_is_405_in_the_error_format(tenant, api_client) -> None:
    response = api_client.put(CONTACTS, {}, format="json")
    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"


# --- throttling ----------------------------------------------------------------------------


def _rates(settings: Any, **rates: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "1000/min", "tenant": "1000/min", **rates},
    }


def test_each_key_has_its_own_limit_with_retry_after(tenant, settings) -> None:
    _rates(settings, api_key="3/min")
    busy, calm = _client(tenant, name="busy"), _client(tenant, name="calm")
    assert [busy.get(CONTACTS).status_code for _ in range(3)] == [200, 200, 200]
    limited = busy.get(CONTACTS)
    assert limited.status_code == 429
    assert _error(limited)["code"] == "throttled"
    assert 0 < int(limited["Retry-After"]) <= 60
    assert calm.get(CONTACTS).status_code == 200  # another key of the tenant is unaffected


def test_the_tenant_limit_covers_all_its_keys_and_sessions(
    tenant, other_tenant, member, settings
) -> None:
    _rates(settings, tenant="4/min")
    one, two = _client(tenant, name="one"), _client(tenant, name="two")
    browser = Client()
    browser.force_login(member)
    statuses = [one.get(CONTACTS).status_code, two.get(CONTACTS).status_code]
    statuses += [browser.get(CONTACTS).status_code, one.get(CONTACTS).status_code]
    assert statuses == [200, 200, 200, 200]
    assert two.get(CONTACTS).status_code == 429
    limited = browser.get(CONTACTS)
    assert limited.status_code == 429 and "Retry-After" in limited
    assert _client(other_tenant, name="b").get(CONTACTS).status_code == 200  # B is unaffected


def test_a_changed_rate_takes_effect_without_a_restart(tenant, settings) -> None:
    """DRF copies the rates onto the throttle class at import; ours read the live setting."""
    c = _client(tenant)
    _rates(settings, api_key="2/min")
    assert [c.get(CONTACTS).status_code for _ in range(3)] == [200, 200, 429]
    _rates(settings, api_key="10/min")
    assert c.get(CONTACTS).status_code == 200
