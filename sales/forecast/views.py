"""Forecast pages: the forecast (table, per-person rows, chart from a JSON endpoint), the deals
behind each figure, and the targets grid. Views parse, check access (tenant, record visibility
and the role's scope through the selectors), call a service, render."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from crm.core.http import TenantRequest
from crm.core.permissions import require_perm
from crm.core.roles import ADMINS, Role, has_perm

from ..deals.selectors import grouped_amount
from . import selectors, services

FIGURE_LABELS = {
    "won": gettext_lazy("Won"),
    "committed": gettext_lazy("Committed"),
    "best_case": gettext_lazy("Best case"),
    "pipeline": gettext_lazy("Pipeline"),
}


def _range(first: str | dt.date, last: str | dt.date) -> str:
    """?from=&to= of a range of months."""
    first = first if isinstance(first, str) else f"{first:%Y-%m}"
    last = last if isinstance(last, str) else f"{last:%Y-%m}"
    return urlencode({"from": first, "to": last})


def _query(request: TenantRequest) -> selectors.ForecastQuery:
    return selectors.forecast_query(
        tenant=request.tenant, membership=request.membership, params=request.GET
    )


def _who_choices(request: TenantRequest) -> list[tuple[str, str]]:
    """The owner filter's options by role: a rep sees "me" (and everyone when the tenant
    shares records), a manager also their team, admins every team and person."""
    tenant, membership = request.tenant, request.membership
    visible = selectors.visible_owner_ids(tenant, membership)
    choices: list[tuple[str, str]] = [("me", _("Me"))]
    if membership.role == Role.MANAGER:
        choices.append((f"team:{membership.user_id}", _("My team")))
    choices.append(("all", _("Everyone I can see") if visible is not None else _("Everyone")))
    if membership.role in ADMINS or visible is None:
        choices += [
            (f"team:{user_id}", _("Team of %(name)s") % {"name": name})
            for user_id, name in selectors.teams(tenant)
            if user_id != membership.user_id
        ]
    people = selectors.sales_people(tenant, visible)
    choices += [
        (f"owner:{m.user_id}", str(m.user)) for m in people if m.user_id != membership.user_id
    ]
    return choices


def _cell_links(
    query: selectors.ForecastQuery, month: dt.date | None, owner: str, base: str = ""
) -> dict[str, str]:
    """The drill-down link of each figure of one cell. `base` is the URL with the query's
    own parameters, built once per page (a page has hundreds of these links)."""
    base = base or f"{reverse('sales:forecast_deals')}?{urlencode(query.params())}"
    tail = ""
    if month is not None:
        tail += f"&month={month:%Y-%m}"
    if owner:
        tail += "&" + urlencode({"owner_row": owner})
    return {figure: f"{base}&figure={figure}{tail}" for figure in selectors.FIGURES}


def _figure_cells(cell: Any, links: dict[str, str]) -> SafeString:
    """The target, four linked figures and attainment of one row, as table cells."""
    target = "—" if cell.target is None else grouped_amount(cell.target)
    attainment = "—" if cell.attainment is None else f"{cell.attainment} %"
    figures = format_html_join(
        "",
        '<td class="text-end"><a href="{}" data-figure="{}">{}</a></td>',
        ((links[f], f, grouped_amount(getattr(cell, f))) for f in selectors.FIGURES),
    )
    return format_html(
        '<td class="text-end">{}</td>{}<td class="text-end">{}</td>', target, figures, attainment
    )


@require_GET
@require_perm("sales.view")
def forecast_page(request: TenantRequest) -> HttpResponse:
    query = _query(request)
    result = selectors.forecast(tenant=request.tenant, membership=request.membership, query=query)
    base = f"{reverse('sales:forecast_deals')}?{urlencode(query.params())}"

    def cells(cell: Any, month: dt.date | None, owner: str) -> SafeString:
        return _figure_cells(cell, _cell_links(query, month, owner, base))

    # Flat rows with their cells rendered here, so the template loops once per table.
    month_rows: list[dict[str, Any]] = [
        {"label": f"{m:%Y-%m}", "testid": f"{m:%Y-%m}", "cells": cells(c, m, "")}
        for m, c in zip(result.months, result.month_totals, strict=True)
    ]
    month_rows.append(
        {
            "label": _("Total"),
            "testid": "total",
            "cells": cells(result.total, None, ""),
            "is_total": True,
        }
    )
    owner_rows = []
    for row in result.rows:
        lines: list[dict[str, Any]] = [
            {
                "owner": row.label if index == 0 else "",
                "month": f"{m:%Y-%m}",
                "cells": cells(c, m, row.key),
            }
            for index, (m, c) in enumerate(zip(result.months, row.cells, strict=True))
        ]
        lines.append(
            {
                "owner": "",
                "hidden_owner": row.label,
                "month": _("Total"),
                "cells": cells(row.total, None, row.key),
                "is_total": True,
            }
        )
        owner_rows.append({"row": row, "lines": lines})
    params = query.params()
    return render(
        request,
        "sales/forecast/forecast.html",
        {
            "query": query,
            "result": result,
            "month_rows": month_rows,
            "owner_rows": owner_rows,
            "who_choices": _who_choices(request),
            "data_url": f"{reverse('sales:forecast_data')}?{urlencode(params)}",
            "targets_url": reverse("sales:forecast_targets")
            + "?"
            + _range(params["from"], params["to"]),
            "can_set_targets": has_perm(request.membership.role, "sales.targets"),
            "best_case_min": selectors.BEST_CASE_MIN_PROBABILITY,
            "errors": query.errors,
            "range_from": params["from"],
            "range_to": params["to"],
        },
    )


@require_GET
@require_perm("sales.view")
def forecast_data(request: TenantRequest) -> HttpResponse:
    """JSON for the page's chart (and for scripts): the chart payload plus every figure."""
    query = _query(request)
    result = selectors.forecast(tenant=request.tenant, membership=request.membership, query=query)
    body = result.as_json()
    body["chart"] = selectors.chart_payload(result)
    body["errors"] = query.errors
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def parse_drill(
    params: Any, query: selectors.ForecastQuery
) -> tuple[str, dt.date | None, str, int | None, dict[str, list[str]]]:
    """?figure= ?month= ?owner_row= (a user id or none) ?before= with a message per bad value."""
    errors: dict[str, list[str]] = {}
    figure = str(params.get("figure", "") or "won")
    if figure not in selectors.FIGURES:
        errors["figure"] = [_("Choose won, committed, best_case or pipeline.")]
        figure = "won"
    month: dt.date | None = None
    raw_month = str(params.get("month", "") or "").strip()
    if raw_month:
        month = selectors.parse_month(raw_month)
        if month is None:
            errors["month"] = [_("Give the month like 2026-04.")]
    owner = str(params.get("owner_row", "") or "").strip()
    if owner and owner != selectors.UNASSIGNED and not owner.isdigit():
        errors["owner_row"] = [_("Use a user id or none.")]
        owner = ""
    raw_before = str(params.get("before", "") or "").strip()
    before = int(raw_before) if raw_before.isdigit() else None
    return figure, month, owner, before, errors


@require_GET
@require_perm("sales.view")
def forecast_deals(request: TenantRequest) -> HttpResponse:
    """The deals behind one figure (one month or the range, one person or the scope)."""
    query = _query(request)
    figure, month, owner, before, errors = parse_drill(request.GET, query)
    result = selectors.drill_down(
        tenant=request.tenant,
        membership=request.membership,
        query=query,
        figure=figure,
        month=month,
        owner=owner,
        before=before,
    )
    kept = request.GET.copy()
    kept.pop("before", None)
    owner_name = ""
    if owner == selectors.UNASSIGNED:
        owner_name = _("Unassigned")
    elif owner:
        from crm.core.models import User

        found = User.objects.filter(pk=int(owner)).first()
        owner_name = str(found) if found is not None else ""
    detail_url = reverse("sales:deal_detail", kwargs={"deal_id": 0})[: -len("0/")]
    # Formatted here: the template's filters and {% url %} cost more per row than the rest.
    rows = [
        {
            "deal": deal,
            "amount": grouped_amount(deal.amount),
            "weighted": grouped_amount(deal.weighted),  # type: ignore[attr-defined]
            "url": f"{detail_url}{deal.pk}/",
        }
        for deal in result.deals
    ]
    return render(
        request,
        "sales/forecast/deals.html",
        {
            "query": query,
            "drill": result,
            "rows": rows,
            "figure_label": FIGURE_LABELS[figure],
            "owner_name": owner_name,
            "errors": {**query.errors, **errors},
            "next_query": kept.urlencode(),
            "back_url": f"{reverse('sales:forecast')}?{urlencode(query.params())}",
            "weighted": figure == "committed",
            "range_from": query.params()["from"],
            "range_to": query.params()["to"],
        },
    )


# --- targets --------------------------------------------------------------------------------
def _grid_months(request: TenantRequest) -> tuple[list[dt.date], dict[str, list[str]]]:
    params = request.GET if request.method == "GET" else request.POST
    query = selectors.forecast_query(
        tenant=request.tenant,
        membership=request.membership,
        params={k: params.get(k, "") for k in ("from", "to", "months", "period", "fiscal_start")},
    )
    return query.months, query.errors


def _grid_people(request: TenantRequest) -> list[Any]:
    visible = selectors.visible_owner_ids(request.tenant, request.membership)
    return selectors.sales_people(request.tenant, visible)


def _targets_page(
    request: TenantRequest,
    months: list[dt.date],
    errors: dict[str, list[str]] | None = None,
    typed: dict[str, str] | None = None,
) -> HttpResponse:
    tenant, membership = request.tenant, request.membership
    people = _grid_people(request)
    saved = selectors.targets_grid(tenant=tenant, people=people, months=months)
    editable_ids = selectors.can_set_targets_for(tenant, membership)
    errors = errors or {}
    typed = typed or {}
    rows = []
    for member in people:
        editable = editable_ids is None or member.user_id in editable_ids
        cells = []
        for month in months:
            key = services.cell_key(member.user_id, month)
            amount = saved.get((member.user_id, month))
            value = typed.get(key, "" if amount is None else str(int(amount)))
            cells.append(
                {"key": key, "month": month, "value": value, "errors": errors.get(key, [])}
            )
        rows.append({"member": member, "cells": cells, "editable": editable})
    first, last = months[0], months[-1]
    return render(
        request,
        "sales/forecast/targets.html",
        {
            "months": months,
            "rows": rows,
            "any_editable": any(r["editable"] for r in rows)
            and has_perm(membership.role, "sales.targets"),
            "has_targets": bool(saved),
            "errors": errors,
            "other_errors": [
                m for k, msgs in errors.items() if not k.startswith("t_") for m in msgs
            ],
            "range_from": f"{first:%Y-%m}",
            "range_to": f"{last:%Y-%m}",
            "prev_range": {
                "from": f"{selectors.add_months(first, -len(months)):%Y-%m}",
                "to": f"{selectors.add_months(first, -1):%Y-%m}",
            },
            "next_range": {
                "from": f"{selectors.add_months(last, 1):%Y-%m}",
                "to": f"{selectors.add_months(last, len(months)):%Y-%m}",
            },
            "forecast_url": f"{reverse('sales:forecast')}?{_range(first, last)}",
        },
        status=400 if errors else 200,
    )


@require_GET
@require_perm("sales.view")
def targets_page(request: TenantRequest) -> HttpResponse:
    months, errors = _grid_months(request)
    return _targets_page(request, months, errors)


@require_POST
@require_perm("sales.targets")
def targets_save(request: TenantRequest) -> HttpResponse:
    """The grid's save: every cell at once, all or nothing; a refused save shows the grid
    again with what was typed and a message at each bad cell."""
    months, month_errors = _grid_months(request)
    if month_errors:
        return _targets_page(request, months, month_errors)
    typed: dict[str, str] = {}
    entries = []
    for key in request.POST:
        if not key.startswith("t_"):
            continue
        value = request.POST.get(key, "")
        _prefix, user_id, month = (key.split("_", 2) + ["", ""])[:3]
        typed[key] = value
        entries.append({"user": user_id, "month": month, "amount": value})
    try:
        result = services.targets_set(
            tenant=request.tenant,
            membership=request.membership,
            entries=entries,
            actor=request.user,
        )
    except ValidationError as exc:
        return _targets_page(request, months, exc.message_dict, typed)
    if result.saved or result.cleared:
        messages.success(
            request,
            _("Targets saved: %(saved)s set, %(cleared)s cleared.")
            % {"saved": result.saved, "cleared": result.cleared},
        )
    else:
        messages.info(request, _("No targets changed."))
    return redirect(f"{reverse('sales:forecast_targets')}?{_range(months[0], months[-1])}")


@require_POST
@require_perm("sales.targets")
def targets_copy(request: TenantRequest) -> HttpResponse:
    """Copies the previous month's targets into ?month= (targets already set are kept)."""
    month = selectors.parse_month(request.POST.get("month", ""))
    months, _errors = _grid_months(request)
    back = _range(months[0], months[-1])
    if month is None:
        messages.error(request, _("Choose the month to copy into, like 2026-04."))
        return redirect(f"{reverse('sales:forecast_targets')}?{back}")
    try:
        copied = services.targets_copy_previous_month(
            tenant=request.tenant, membership=request.membership, month=month, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('sales:forecast_targets')}?{back}")
    if copied:
        messages.success(
            request,
            _("Copied %(count)s targets from the month before; targets already set were kept.")
            % {"count": copied},
        )
    else:
        messages.info(
            request, _("Nothing to copy: the month before has no targets that are not set already.")
        )
    return redirect(f"{reverse('sales:forecast_targets')}?{back}")
