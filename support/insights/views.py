"""Support analytics pages: the page (filters and one card per section, each drawn by
static/js/support_insights.js from its JSON endpoint), the JSON per section and the CSV per
section. Views parse the filters, call the selector, render."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.core.http import TenantRequest
from crm.core.permissions import require_perm
from support.tickets.models import Channel, SupportTeam, TicketCategory

from . import presenters, selectors

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(text: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (as
    contacts.exports.writers.guard, which lives behind the contacts app's export)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell_text(cell: Any) -> str:
    if isinstance(cell, dict):
        cell = cell.get("text", "")
    if cell is None:
        return ""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return str(cell)  # numbers stay numbers (a negative is a value, not a formula)
    return guard(str(cell))


@require_GET
@require_perm("support.view")
def insights(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    filters = selectors.insights_filters(tenant=tenant, params=request.GET)
    categories = list(TicketCategory.objects.filter(tenant=tenant, is_active=True))
    teams = list(SupportTeam.objects.filter(tenant=tenant).order_by("name"))
    titles = presenters.section_titles()
    return render(
        request,
        "support/insights/page.html",
        {
            "filters": filters,
            "query": "&".join(f"{k}={v}" for k, v in filters.params().items()),
            "channels": Channel.choices,
            "categories": categories,
            "teams": teams,
            "sections": [(key, titles[key]) for key in selectors.SECTIONS],
            "max_days": selectors.MAX_DAYS,
        },
    )


def _section(request: TenantRequest) -> tuple[str, selectors.InsightsFilters] | HttpResponse:
    section = request.GET.get("section", "")
    if section not in selectors.SECTIONS:
        from django.utils.translation import gettext as _

        return JsonResponse(
            {
                "error": _("Unknown section “%(section)s”; use one of %(sections)s.")
                % {"section": section, "sections": ", ".join(selectors.SECTIONS)}
            },
            status=400,
        )
    return section, selectors.insights_filters(tenant=request.tenant, params=request.GET)


@require_GET
@require_perm("support.view")
def insights_data(request: TenantRequest) -> HttpResponse:
    parsed = _section(request)
    if isinstance(parsed, HttpResponse):
        return parsed
    section, filters = parsed
    data = selectors.insights_section(tenant=request.tenant, filters=filters, section=section)
    payload = presenters.section_payload(section, data)
    payload["errors"] = filters.errors
    payload["filters"] = filters.params()
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def section_csv(payload: dict[str, Any]) -> str:
    """UTF-8 with a BOM (Excel reads the Japanese), CRLF, each table under its title."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for index, table in enumerate(payload["tables"]):
        if index:
            writer.writerow([])
        if len(payload["tables"]) > 1:
            writer.writerow([guard(table["title"])])
        writer.writerow([guard(str(c)) for c in table["columns"]])
        writer.writerows([[_cell_text(c) for c in row] for row in table["rows"]])
    return out.getvalue()


@require_GET
@require_perm("support.view")
def insights_export(request: TenantRequest) -> HttpResponse:
    parsed = _section(request)
    if isinstance(parsed, HttpResponse):
        return parsed
    section, filters = parsed
    data = selectors.insights_section(tenant=request.tenant, filters=filters, section=section)
    payload = presenters.section_payload(section, data)
    response = HttpResponse(section_csv(payload), content_type="text/csv; charset=utf-8")
    name = f"support-{section.replace('_', '-')}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
