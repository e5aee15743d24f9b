"""Every URL pattern and API route, visited as tenant B with tenant A's ids.

Detail routes answer 404 (to B's session and to B's API key), list routes show none of A's
rows. A route with parameters but no sample in tests/isolation/ fails here."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.isolation import MARKER, build_samples, route_kwargs
from tests.routes import all_routes

pytestmark = pytest.mark.django_db


def _url(route: Any, samples: Any) -> str:
    kwargs = route_kwargs()[route.name](samples) if route.params else {}
    return reverse(route.name, kwargs=kwargs)


def test_every_route_with_parameters_has_a_sample_object() -> None:
    known = route_kwargs()
    missing = [
        f"{r.name or '(unnamed)'} {r.pattern}"
        for r in all_routes()
        if r.params and not r.exempt and not r.is_public and r.name not in known
    ]
    assert missing == [], "add samples for these routes to tests/isolation/<app>.py"


def test_every_route_declares_who_may_use_it() -> None:
    undeclared = [
        f"{r.name or '(unnamed)'} {r.pattern}"
        for r in all_routes()
        if not (r.exempt or r.is_public or r.login_only or r.perm_for("GET") or r.perm_for("POST"))
    ]
    assert undeclared == []


def _visit(client: Any, url: str) -> Any:
    response = client.get(url)
    if response.status_code == 405:  # a POST-only route: try the action itself
        response = client.post(url, {})
    return response


@pytest.mark.parametrize("as_api_key", [False, True], ids=["session", "api_key"])
def test_tenant_b_never_reaches_tenant_a_objects(
    tenant, other_tenant, outsider_client, other_api_client, as_api_key
) -> None:
    samples = build_samples(tenant)
    client = other_api_client if as_api_key else outsider_client
    leaks, wrong_status = [], []
    visited = 0
    for route in all_routes():
        if route.exempt or route.is_public or (as_api_key and not route.is_api):
            continue
        url = _url(route, samples)
        response = _visit(client, url)
        visited += 1
        body = response.content.decode(errors="replace") if not response.streaming else ""
        if MARKER.lower() in body.lower():
            leaks.append(f"{route.name} {url}")
        if route.params and response.status_code != 404:
            wrong_status.append(f"{route.name} {url} -> {response.status_code}")
    assert visited > 0
    assert leaks == [], "tenant A's data shown to tenant B"
    assert wrong_status == [], "another tenant's id must answer 404"


def test_tenant_a_sees_its_own_samples(tenant, member_client) -> None:
    """The walker's own control: the same URLs do show A's data to A, so a 404 above means
    isolation and not a broken sample."""
    samples = build_samples(tenant)
    response = member_client.get(
        reverse("contacts:detail", kwargs={"contact_id": samples.contact.pk})
    )
    assert response.status_code == 200
    assert MARKER in response.content.decode()
