"""Dashboard widgets of daily reports; registered from sales.apps."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.dashboards import Widget, WidgetContext, register_widget
from crm.core.roles import Role


def recent_daily_reports(ctx: WidgetContext) -> dict[str, Any]:
    """The newest submitted reports of the viewer's team, unread ones toned. Two queries
    at most (the manager's team ids, the reports with their read mark)."""
    from . import selectors

    reports = selectors.recent_for_widget(tenant=ctx.tenant, membership=ctx.membership)
    items = []
    for report in reports:
        read = bool(getattr(report, "read_by_me", False))
        items.append(
            {
                "title": f"{report.author} · {report.date:%Y-%m-%d}",
                "url": reverse("sales:report_detail", kwargs={"report_id": report.pk}),
                "meta": report.did[:80],
                "badge": _("Read") if read else _("Unread"),
                "tone": "" if read else "warning",
            }
        )
    return {
        "items": items,
        "empty": _("No daily reports from your team yet."),
        "more_url": reverse("sales:report_team_day"),
    }


def register() -> None:
    register_widget(
        Widget(
            key="sales.recent_daily_reports",
            title=gettext_lazy("Recent daily reports"),
            description=gettext_lazy("Your team's newest daily reports; unread ones stand out."),
            perm="sales.view",
            kind="list",
            data=recent_daily_reports,
            default_for=frozenset({Role.MANAGER}),
            order=40,
        )
    )
