"""Dashboard widgets of the forecast; registered from sales.apps."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.core.dashboards import Widget, WidgetContext, register_widget
from crm.core.roles import Role

from . import selectors


def forecast_vs_target(ctx: WidgetContext) -> dict[str, Any]:
    """This month and the next two: won and committed against the target, for the viewer
    (a rep), the viewer's team (a manager) or everyone they may see (others). Four queries
    whatever the number of deals (open, won, targets, names) plus the team lookup."""
    start = selectors.month_start(selectors.today_in(ctx.tenant))
    params = {
        "from": f"{start:%Y-%m}",
        "months": "3",
        "scope": selectors.default_scope(ctx.membership),
    }
    query = selectors.forecast_query(tenant=ctx.tenant, membership=ctx.membership, params=params)
    result = selectors.forecast(tenant=ctx.tenant, membership=ctx.membership, query=query)
    payload = selectors.chart_payload(result)
    payload.pop("months", None)
    payload["more_url"] = f"{reverse('sales:forecast')}?{urlencode(query.params())}"
    return payload


def register() -> None:
    register_widget(
        Widget(
            key="sales.forecast_vs_target",
            title=_("Forecast vs target"),
            description=_("Won and committed against the target, this month and the next two."),
            perm="sales.view",
            kind="chart",
            data=forecast_vs_target,
            size="m",
            default_for=frozenset({Role.SALES, Role.MANAGER}),
            order=30,
        )
    )
