"""Tenant separation of the dashboard and notification routes, walked like
tests/core/test_isolation_walker.py and tests/core/test_role_matrix.py do for every route
(these run on their own, so this stream's routes are checked even while other streams'
routes are in flight), and of the widgets' data, whose keys are the same in every tenant."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from crm.core.context import tenant_context
from crm.core.roles import Role
from sales.deals import services as deal_services
from tests.factories import make_api_key, make_member
from tests.isolation import MARKER
from tests.isolation import dashboards as samples_module
from tests.routes import all_routes

pytestmark = pytest.mark.django_db

OURS = ("dashboards:", "dashboard-", "notification-")


def _ours() -> list[Any]:
    return [
        r
        for r in all_routes()
        if r.name.startswith(OURS) and not (r.exempt or r.is_public or r.login_only)
    ]


def _samples(tenant: Any) -> Any:
    from types import SimpleNamespace

    ns = SimpleNamespace(tenant=tenant)
    with tenant_context(tenant):
        samples_module.build(tenant, ns)
    return ns


def _url(route: Any, ns: Any) -> str:
    kwargs = samples_module.ROUTES[route.name](ns) if route.params else {}
    return reverse(route.name, kwargs=kwargs)


def _visit(client: Any, url: str) -> Any:
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def test_every_route_of_ours_has_a_sample_and_a_permission() -> None:
    routes = _ours()
    assert {r.name for r in routes} >= {
        "dashboards:view",
        "dashboards:widget_data",
        "dashboards:notifications",
        "dashboard-list",
        "dashboard-widgets",
        "dashboard-widget-data",
        "notification-list",
        "notification-mark-read",
    }
    assert [r.name for r in routes if r.params and r.name not in samples_module.ROUTES] == []
    assert [r.name for r in routes if not (r.perm_for("GET") or r.perm_for("POST"))] == []


@pytest.mark.parametrize("as_api_key", [False, True], ids=["session", "api_key"])
def test_tenant_b_never_reaches_tenant_a_dashboards_or_notifications(
    tenant, other_tenant, outsider_client, other_api_client, as_api_key
) -> None:
    ns = _samples(tenant)
    client = other_api_client if as_api_key else outsider_client
    leaks, wrong = [], []
    for route in _ours():
        if as_api_key and not route.is_api:
            continue
        url = _url(route, ns)
        response = _visit(client, url)
        if MARKER.lower() in response.content.decode().lower():
            leaks.append(url)
        if route.params and response.status_code != 404:
            wrong.append(f"{url} -> {response.status_code}")
    assert leaks == [] and wrong == []
    # the control: tenant A's owner does see them
    with tenant_context(tenant):
        owner = ns.dashboard.owner
    own = Client()
    own.force_login(owner)
    assert MARKER in own.get(reverse("dashboards:view", args=[ns.dashboard.pk])).content.decode()


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_gets_what_our_routes_declare(tenant, role) -> None:
    ns = _samples(tenant)
    session = Client()
    session.force_login(make_member(tenant, role))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(tenant, role=role, name=role)}")
    wrong = []
    for route in _ours():
        url = _url(route, ns)
        for client in [session] + ([api] if route.is_api else []):
            response = client.get(url)
            method = "GET"
            if response.status_code == 405:
                method = "POST"
                response = client.post(url, {})
            if response.status_code >= 500 or route.allowed(role, method) == (
                response.status_code == 403
            ):
                wrong.append(f"{method} {url}: {response.status_code}")
    assert wrong == []


def test_each_tenants_widgets_show_only_its_own_deals(
    tenant, other_tenant, member, outsider, member_client, outsider_client
) -> None:
    from django.utils import timezone

    with tenant_context(tenant):
        pipeline = deal_services.pipeline_default(tenant=tenant)
        deal_services.deal_create(
            tenant=tenant,
            name=f"{MARKER} deal",
            pipeline=pipeline,
            owner=member,
            amount=700_000,
            expected_close_date=timezone.localdate(),
        )
    for key in ("sales.deals_closing_this_month", "sales.kpis", "sales.open_deals_by_stage"):
        url = reverse("dashboards:widget_data", args=[key])
        theirs = outsider_client.get(url)
        assert theirs.status_code == 200
        assert MARKER not in theirs.content.decode() and "700,000" not in theirs.content.decode()
    mine = member_client.get(
        reverse("dashboards:widget_data", args=["sales.deals_closing_this_month"])
    )
    assert MARKER in mine.content.decode()
