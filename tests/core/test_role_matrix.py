"""Role x endpoint matrix: every route, every role. The server must allow exactly what the
route declares (tests/routes.py reads the declaration; crm/core/roles.py says who holds it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from crm.core.roles import PERMISSIONS, Role, has_perm
from tests.factories import make_api_key, make_member
from tests.isolation import build_samples, route_kwargs
from tests.routes import all_routes

pytestmark = pytest.mark.django_db


def test_spot_checks_of_the_role_table() -> None:
    assert has_perm(Role.OWNER, "tenant.manage") and not has_perm(Role.ADMIN, "tenant.manage")
    assert has_perm(Role.ADMIN, "customfields.manage")
    assert not has_perm(Role.VIEWER, "contacts.edit")
    assert not has_perm(Role.SALES, "audit.view")
    assert not has_perm(Role.SUPPORT, "apikeys.manage")
    assert all(Role.OWNER in holders for holders in PERMISSIONS.values())
    with pytest.raises(KeyError):
        has_perm(Role.OWNER, "no.such.permission")


def _status(client: Any, url: str, method: str) -> int:
    response = client.get(url) if method == "GET" else client.post(url, {})
    return response.status_code


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_gets_exactly_what_each_route_declares(tenant, role) -> None:
    samples = build_samples(tenant)
    user = make_member(tenant, role)
    session = Client()
    session.force_login(user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(tenant, role=role, name=role)}")
    kwargs_for = route_kwargs()
    wrong = []
    for route in all_routes():
        if route.exempt or route.is_public or route.login_only:
            continue
        url = reverse(route.name, kwargs=kwargs_for[route.name](samples) if route.params else {})
        clients = [("session", session)] + ([("api_key", api)] if route.is_api else [])
        for label, client in clients:
            status = _status(client, url, "GET")
            method = "GET"
            if status == 405:
                method = "POST"
                status = _status(client, url, "POST")
            expected_allowed = route.allowed(role, method)
            if expected_allowed == (status == 403):
                wrong.append(
                    f"{label} {method} {url}: {status}, declared "
                    f"{route.perm_for(method)} ({'allowed' if expected_allowed else 'denied'})"
                )
    assert wrong == []
