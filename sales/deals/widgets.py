"""Dashboard widgets of deals; registered from sales.apps (crm.core.dashboards).

Each reads the viewer's own deals through `selectors.visible_deals` (the tenant's record
visibility applies like everywhere else) in one or two queries whatever the number of deals:
aggregates grouped in the database, never rows counted in Python."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm.core.dashboards import Widget, WidgetContext, register_widget
from crm.core.roles import Role

from .models import Stage, StageKind
from .selectors import visible_deals

CLOSING_LIMIT = 10
SELLERS = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.SALES})


def yen(amount: Decimal | int | None) -> str:
    return f"¥{int(amount or 0):,}"


def _month_bounds(ctx: WidgetContext) -> tuple[dt.date, dt.date, dt.datetime]:
    """This month in the tenant's zone: first day, first day of next month, and the start
    as an aware datetime (for closed_at)."""
    today = timezone.localdate(timezone=ctx.tenant.zone)
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    start_at = dt.datetime.combine(start, dt.time.min, tzinfo=ctx.tenant.zone)
    return start, end, start_at


def _my_deals(ctx: WidgetContext) -> Any:
    return visible_deals(ctx.tenant, ctx.membership).filter(owner_id=ctx.user.pk)


def open_deals_by_stage(ctx: WidgetContext) -> dict[str, Any]:
    """The viewer's open deals per open stage of the default pipeline: count (bars) and
    amount (line). Two queries: the stages, one aggregate grouped by stage."""
    stages = list(
        Stage.objects.filter(
            tenant=ctx.tenant, pipeline__is_default=True, kind=StageKind.OPEN
        ).order_by("position", "id")
    )
    empty = _("You have no open deals. New deals you own show up here by stage.")
    if not stages:
        return {"type": "bar", "labels": [], "datasets": [], "unit": "", "empty": empty}
    rows = {
        row["stage_id"]: row
        for row in _my_deals(ctx)
        .filter(stage_id__in=[s.pk for s in stages])
        .order_by()
        .values("stage_id")
        .annotate(count=Count("id"), amount=Sum("amount"))
    }
    return {
        "type": "bar",
        "labels": [s.label for s in stages],
        "datasets": [
            {
                "label": _("Deals"),
                "data": [rows.get(s.pk, {}).get("count", 0) for s in stages],
                "kind": "bar",
                "axis": "count",
                "unit": "",
            },
            {
                "label": _("Amount"),
                "data": [int(rows.get(s.pk, {}).get("amount") or 0) for s in stages],
                "kind": "line",
                "axis": "amount",
                "unit": "JPY",
            },
        ],
        "unit": "",
        "empty": empty,
        "more_url": reverse("sales:deal_board"),
    }


def deals_closing_this_month(ctx: WidgetContext) -> dict[str, Any]:
    """The viewer's open deals expected to close this month, soonest first (one query on
    the (tenant, expected_close_date, owner) index)."""
    start, end, _start_at = _month_bounds(ctx)
    today = timezone.localdate(timezone=ctx.tenant.zone)
    deals = list(
        _my_deals(ctx)
        .filter(stage__kind=StageKind.OPEN, expected_close_date__gte=start)
        .filter(expected_close_date__lt=end)
        .select_related("stage", "company")
        .order_by("expected_close_date", "id")[:CLOSING_LIMIT]
    )
    items = []
    for deal in deals:
        close = deal.expected_close_date
        assert close is not None
        if close < today:
            tone = "danger"
        elif close <= today + dt.timedelta(days=7):
            tone = "warning"
        else:
            tone = ""
        meta = [_("Closes %(date)s") % {"date": date_format(close, "MONTH_DAY_FORMAT")}]
        meta.append(deal.stage.label)
        if deal.company is not None:
            meta.append(deal.company.name)
        items.append(
            {
                "title": deal.name,
                "url": reverse("sales:deal_detail", kwargs={"deal_id": deal.pk}),
                "meta": " · ".join(meta),
                "badge": yen(deal.amount),
                "tone": tone,
            }
        )
    return {
        "items": items,
        "empty": _("None of your open deals is expected to close this month."),
        "more_url": reverse("sales:deal_list")
        + f"?owner=me&close_month={start.year}-{start.month:02d}",
    }


def kpis(ctx: WidgetContext) -> dict[str, Any]:
    """Open pipeline, won this month (amount and count), stale deals: one aggregate."""
    _start, _end, start_at = _month_bounds(ctx)
    open_q = Q(stage__kind=StageKind.OPEN)
    won_q = Q(stage__kind=StageKind.WON, closed_at__gte=start_at)
    stale_since = ExpressionWrapper(
        Now() - F("stage__stale_after_days") * Value(dt.timedelta(days=1)),
        output_field=DurationField(),
    )
    figures = _my_deals(ctx).aggregate(
        open_amount=Sum("amount", filter=open_q),
        open_count=Count("id", filter=open_q),
        won_amount=Sum("amount", filter=won_q),
        won_count=Count("id", filter=won_q),
        stale=Count(
            "id",
            filter=open_q
            & Q(stage__stale_after_days__isnull=False)
            & Q(stage_entered_at__lt=stale_since),
        ),
    )
    open_count = figures["open_count"]
    board = reverse("sales:deal_board")
    month = start_at.strftime("%Y-%m")
    return {
        "tiles": [
            {
                "label": _("Open pipeline"),
                "value": yen(figures["open_amount"]),
                "hint": ngettext("%(count)s open deal", "%(count)s open deals", open_count)
                % {"count": open_count},
                "url": board + "?owner=me",
            },
            {
                "label": _("Won this month"),
                "value": yen(figures["won_amount"]),
                "hint": "",
                "url": reverse("sales:deal_list") + "?owner=me",
            },
            {
                "label": _("Deals won this month"),
                "value": str(figures["won_count"]),
                "hint": month,
                "url": reverse("sales:deal_list") + "?owner=me",
            },
            {
                "label": _("Stale deals"),
                "value": str(figures["stale"]),
                "hint": _("Longer in their stage than it allows"),
                "url": board + "?owner=me",
            },
        ]
    }


def register() -> None:
    register_widget(
        Widget(
            key="sales.kpis",
            title=gettext_lazy("My sales figures"),
            description=gettext_lazy(
                "Open pipeline, won this month and stale deals, for the deals you own."
            ),
            perm="sales.view",
            kind="kpi",
            data=kpis,
            size="l",
            # Reps and managers start with the chart and the lists and add the tiles.
            default_for=frozenset({Role.OWNER, Role.ADMIN}),
            order=10,
        )
    )
    register_widget(
        Widget(
            key="sales.open_deals_by_stage",
            title=gettext_lazy("My open deals by stage"),
            description=gettext_lazy(
                "How many of your open deals sit in each stage of the default pipeline, "
                "and their amount."
            ),
            perm="sales.view",
            kind="chart",
            data=open_deals_by_stage,
            size="m",
            default_for=SELLERS,
            order=40,
        )
    )
    register_widget(
        Widget(
            key="sales.deals_closing_this_month",
            title=gettext_lazy("My deals closing this month"),
            description=gettext_lazy(
                "Your open deals expected to close this month, soonest first."
            ),
            perm="sales.view",
            kind="list",
            data=deals_closing_this_month,
            size="s",
            default_for=frozenset({Role.MANAGER, Role.SALES}),
            order=50,
        )
    )
