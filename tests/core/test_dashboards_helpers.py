"""Builders shared by the dashboard tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.test import Client

from crm.core import dashboards
from crm.core.context import tenant_context
from crm.core.models import Membership
from crm.core.roles import Role
from tests.factories import make_member


def membership(tenant: Any, user: Any) -> Membership:
    with tenant_context(tenant):
        return Membership.objects.get(tenant=tenant, user=user)


def team(tenant: Any) -> dict[str, Any]:
    """A manager with two reps, and a second manager with one rep of their own."""
    people = {
        "manager": make_member(tenant, Role.MANAGER),
        "rep": make_member(tenant, Role.SALES),
        "rep2": make_member(tenant, Role.SALES),
        "other_manager": make_member(tenant, Role.MANAGER),
        "other_rep": make_member(tenant, Role.SALES),
    }
    with tenant_context(tenant):
        lead = Membership.objects.get(user=people["manager"])
        other_lead = Membership.objects.get(user=people["other_manager"])
        Membership.objects.filter(user__in=[people["rep"], people["rep2"]]).update(manager=lead)
        Membership.objects.filter(user=people["other_rep"]).update(manager=other_lead)
    return people


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@contextmanager
def registered(*widgets: dashboards.Widget) -> Iterator[None]:
    """Registers throwaway widgets for one test and removes them after."""
    for widget in widgets:
        dashboards.register_widget(widget)
    try:
        yield
    finally:
        for widget in widgets:
            dashboards._REGISTRY.pop(widget.key, None)


def widget(
    key: str,
    data: Callable[[dashboards.WidgetContext], dict[str, Any]],
    *,
    kind: str = "list",
    perm: str = "app.use",
    title: str = "Probe widget",
) -> dashboards.Widget:
    return dashboards.Widget(
        key=key, title=title, perm=perm, kind=kind, data=data, description="A test widget"
    )
