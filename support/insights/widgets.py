"""Dashboard widgets of support: my open inquiries and the support backlog."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.dashboards import Widget, WidgetContext, register_widget
from crm.core.roles import Role
from support.tickets.models import ACTIVE_STATUSES, Status, Ticket

from . import presenters, selectors

MY_OPEN_LIMIT = 8
BACKLOG_DAYS = 14


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def my_open_inquiries(ctx: WidgetContext) -> dict[str, Any]:
    """The viewer's open tickets, the one due soonest first (one query on the assignee
    index)."""
    tickets = list(
        Ticket.objects.filter(
            tenant=ctx.tenant, assignee_id=getattr(ctx.user, "pk", None), status__in=ACTIVE_STATUSES
        )
        .order_by("-id")
        .only("id", "number", "subject", "status", "sla_due_at", "created_at")[:MY_OPEN_LIMIT]
    )
    statuses = dict(Status.choices)
    now = dt.datetime.now(dt.UTC)
    items = []
    for ticket in tickets:
        due = ticket.sla_due_at
        tone = ""
        if due is not None:
            tone = (
                "danger" if due <= now else ("warning" if due - now < dt.timedelta(hours=2) else "")
            )
        items.append(
            {
                "title": f"#{ticket.number} {ticket.subject}",
                "url": presenters.ticket_url(ticket.pk),
                "meta": f"{ticket.created_at:%Y-%m-%d %H:%M}",
                "badge": str(statuses.get(ticket.status, ticket.status)),
                "tone": tone,
            }
        )
    return {
        "items": items,
        "empty": _("No open inquiries assigned to you."),
        "more_url": _url("support:queue"),
    }


def support_backlog(ctx: WidgetContext) -> dict[str, Any]:
    """Open inquiries at the end of each of the last two weeks' days (the analytics'
    backlog query: a fixed number of statements whatever the tenant's size)."""
    today = selectors.tenant_today(ctx.tenant)
    filters = selectors.InsightsFilters(
        start=today - dt.timedelta(days=BACKLOG_DAYS - 1), end=today
    )
    days = selectors.backlog(tenant=ctx.tenant, filters=filters)["days"]
    return {
        "type": "line",
        "labels": [d["day"][5:] for d in days],
        "datasets": [
            {"label": _("Open inquiries"), "data": [d["open"] for d in days], "kind": "line"},
            {"label": _("Received"), "data": [d["received"] for d in days], "kind": "bar"},
            {"label": _("Resolved"), "data": [d["resolved"] for d in days], "kind": "bar"},
        ],
        "unit": "",
        "empty": "" if any(d["open"] or d["received"] for d in days) else _("No inquiries yet."),
        "more_url": _url("support:insights"),
    }


def register() -> None:
    register_widget(
        Widget(
            key="support.my_open_inquiries",
            title=gettext_lazy("My open inquiries"),
            description=gettext_lazy("Inquiries assigned to you that are not resolved yet."),
            perm="support.view",
            kind="list",
            data=my_open_inquiries,
            default_for=frozenset({Role.SUPPORT}),
            order=30,
        )
    )
    register_widget(
        Widget(
            key="support.backlog",
            title=gettext_lazy("Support backlog"),
            description=gettext_lazy(
                "Open inquiries at the end of each day of the last two weeks, with the "
                "inquiries received and resolved."
            ),
            perm="support.view",
            kind="chart",
            data=support_backlog,
            default_for=frozenset({Role.SUPPORT}),
            order=35,
        )
    )
