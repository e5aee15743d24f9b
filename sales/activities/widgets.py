"""Dashboard widgets of activities ("My tasks today", "Upcoming visits") and the Activities
panel on contact and company pages; registered from sales.apps at start-up. Each answers in
one query whatever the number of activities."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.dashboards import Widget, WidgetContext, register_widget
from crm.core.roles import Role

from . import selectors
from .models import Activity, ActivityKind


def _when(activity: Activity, tenant: Any, with_date: bool) -> str:
    local = timezone.localtime(activity.starts_at, tenant.zone)
    if activity.all_day:
        return local.strftime("%m/%d") if with_date else _("All day")
    return local.strftime("%m/%d %H:%M" if with_date else "%H:%M")


def _item(activity: Activity, meta: str, badge: str = "", tone: str = "") -> dict[str, str]:
    parts = [meta]
    if activity.place:
        parts.append(activity.place)
    if activity.contact_id and activity.contact is not None:
        parts.append(str(activity.contact))
    return {
        "title": activity.subject,
        "url": reverse("sales:activity_detail", kwargs={"activity_id": activity.pk}),
        "meta": " · ".join(parts),
        "badge": badge,
        "tone": tone,
    }


def my_tasks_today(ctx: WidgetContext) -> dict[str, Any]:
    tenant = ctx.tenant
    day = selectors.today(tenant)
    start, end = selectors.day_bounds(tenant, day)
    rows = list(
        selectors.of_user(tenant, [ctx.user.pk])
        .filter(kind=ActivityKind.TASK, done_at=None, starts_at__lt=end)
        .select_related(*selectors.RELATED)
        .order_by("starts_at", "id")[:10]
    )
    items = []
    for activity in rows:
        overdue = activity.starts_at < start
        items.append(
            _item(
                activity,
                _when(activity, tenant, with_date=overdue),
                badge=_("Overdue") if overdue else "",
                tone="danger" if overdue else "",
            )
        )
    return {
        "items": items,
        "empty": _("No open tasks for today. Add one on My day."),
        "more_url": reverse("sales:my_day"),
    }


def upcoming_visits(ctx: WidgetContext) -> dict[str, Any]:
    tenant = ctx.tenant
    now = timezone.now()
    rows = selectors.upcoming(
        tenant=tenant,
        user_id=ctx.user.pk,
        kinds=[ActivityKind.VISIT, ActivityKind.MEETING],
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(days=7),
    )
    return {
        "items": [
            _item(a, _when(a, tenant, with_date=True), badge=str(ActivityKind(a.kind).label))
            for a in rows
        ],
        "empty": _("No visits or meetings in the next 7 days. Plan them in the calendar."),
        "more_url": reverse("sales:calendar") + "?view=week",
    }


def _panel(tenant: Any, membership: Any, **about: Any) -> dict[str, Any]:
    from crm.core.roles import has_perm

    if tenant is None or any(value is None for value in about.values()):
        return {"activities": []}  # nothing to look up outside a tenant
    ((name, obj),) = about.items()
    detail = "contacts:detail" if name == "contact" else "contacts:company_detail"
    kwarg = "contact_id" if name == "contact" else "company_id"
    return {
        "activities": selectors.for_record(tenant=tenant, membership=membership, **about),
        "add_query": f"{name}={obj.pk}",
        "can_edit": membership is not None and has_perm(membership.role, "sales.edit"),
        "next": reverse(detail, kwargs={kwarg: obj.pk}),
    }


def contact_activities(*, tenant: Any, membership: Any, obj: Any) -> dict[str, Any]:
    return _panel(tenant, membership, contact=obj)


def company_activities(*, tenant: Any, membership: Any, obj: Any) -> dict[str, Any]:
    return _panel(tenant, membership, company=obj)


def register() -> None:
    from contacts.panels import register_detail_panel

    register_widget(
        Widget(
            key="sales.my_tasks_today",
            title=gettext_lazy("My tasks today"),
            description=gettext_lazy("Your open tasks due today, overdue ones first."),
            perm="sales.view",
            kind="list",
            data=my_tasks_today,
            default_for=frozenset({Role.SALES, Role.MANAGER}),
            order=20,
        )
    )
    register_widget(
        Widget(
            key="sales.upcoming_visits",
            title=gettext_lazy("Upcoming visits"),
            description=gettext_lazy("Your visits and meetings in the next 7 days."),
            perm="sales.view",
            kind="list",
            data=upcoming_visits,
            order=21,
        )
    )
    # The Activities panel on contact and company pages (here rather than in sales.apps,
    # which calls this at start-up, so the activities stream owns its wiring).
    for on, context in (("contact", contact_activities), ("company", company_activities)):
        register_detail_panel(
            on=on,  # type: ignore[arg-type]
            key="activities",
            template="sales/activities/partials/record_panel.html",
            context=context,
            perm="sales.view",
            order=15,
        )
