"""SLA settings pages (admins): calendars with the weekday block editor and holidays,
policies. Views parse, check access, call a service, render; a refused input is shown again
as typed with the service's message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.core.http import TenantRequest
from crm.core.permissions import require_perm
from support.tickets.models import Priority

from . import selectors, services
from .forms import CalendarForm, HolidayForm, PolicyForm, parse_blocks
from .models import BusinessCalendar, BusinessHoliday, Weekday


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


@require_perm("settings.manage")
def sla_settings(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    calendars = list(selectors.calendar_list(tenant=tenant))
    policies = list(selectors.policy_list(tenant=tenant))
    priorities = dict(Priority.choices)
    week = [(w.value, str(w.label)) for w in Weekday]
    return render(
        request,
        "support/sla/settings.html",
        {
            "calendars": [_calendar_row(c, week) for c in calendars],
            "policies": [
                {
                    "policy": p,
                    "priority": priorities.get(p.priority, ""),
                    "first": services.hhmm(p.first_response_minutes),
                    "resolution": services.hhmm(p.resolution_minutes),
                }
                for p in policies
            ],
        },
    )


def _calendar_row(calendar: BusinessCalendar, week: list[tuple[int, str]]) -> dict[str, Any]:
    by_day: dict[int, list[str]] = {}
    for block in calendar.blocks.all():
        by_day.setdefault(block.weekday, []).append(
            f"{block.start:%H:%M}–{block.end:%H:%M}"
            if block.end != dt.time(0)
            else f"{block.start:%H:%M}–24:00"
        )
    return {
        "calendar": calendar,
        "days": [(label, by_day.get(value, [])) for value, label in week],
        "holidays": list(calendar.holidays.all()),
    }


def _week_rows(raw: dict[int, list[tuple[str, str]]]) -> list[dict[str, Any]]:
    """Per weekday the rows the editor shows (what is stored or was typed, plus one empty
    row to add a block without JavaScript)."""
    return [
        {"value": w.value, "label": w.label, "rows": [*raw.get(w.value, []), ("", "")]}
        for w in Weekday
    ]


def _stored_rows(calendar: BusinessCalendar | None) -> dict[int, list[tuple[str, str]]]:
    raw: dict[int, list[tuple[str, str]]] = {}
    if calendar is None:
        for weekday, start, end in services.DEFAULT_BLOCKS:
            raw.setdefault(weekday, []).append((f"{start:%H:%M}", f"{end:%H:%M}"))
        return raw
    for block in calendar.blocks.all():
        raw.setdefault(block.weekday, []).append((f"{block.start:%H:%M}", f"{block.end:%H:%M}"))
    return raw


@require_http_methods(["GET", "POST"])
@require_perm("settings.manage")
def calendar_new(request: TenantRequest) -> HttpResponse:
    return _calendar_form(request, None)


@require_http_methods(["GET", "POST"])
@require_perm("settings.manage")
def calendar_edit(request: TenantRequest, calendar_id: int) -> HttpResponse:
    calendar = selectors.access_calendar(tenant=request.tenant, calendar_id=calendar_id)
    return _calendar_form(request, calendar)


def _calendar_form(request: TenantRequest, calendar: BusinessCalendar | None) -> HttpResponse:
    tenant = request.tenant
    errors: list[str] = []
    if request.method == "POST":
        form = CalendarForm(request.POST)
        rows, errors, raw = parse_blocks(request.POST)
        if form.is_valid() and not errors:
            try:
                if calendar is None:
                    calendar = services.calendar_create(
                        tenant=tenant,
                        name=form.cleaned_data["name"],
                        blocks=rows,
                        use_jp_holidays=form.cleaned_data["use_jp_holidays"],
                        is_default=form.cleaned_data["is_default"],
                    )
                else:
                    services.calendar_update(
                        tenant=tenant,
                        calendar=calendar,
                        name=form.cleaned_data["name"],
                        blocks=rows,
                        use_jp_holidays=form.cleaned_data["use_jp_holidays"],
                        is_default=form.cleaned_data["is_default"] or None,
                    )
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "name" in exc.error_dict:
                    form.add_error("name", exc.error_dict["name"])
                else:
                    errors = _messages_of(exc)
            else:
                messages.success(request, _("Business calendar saved."))
                return redirect("support:sla_calendar_edit", calendar_id=calendar.pk)
    else:
        initial = (
            {"name": "", "use_jp_holidays": True, "is_default": False}
            if calendar is None
            else {
                "name": calendar.name,
                "use_jp_holidays": calendar.use_jp_holidays,
                "is_default": calendar.is_default,
            }
        )
        form = CalendarForm(initial=initial)
        raw = _stored_rows(calendar)
    next_year = services_today_year(request) + 1
    return render(
        request,
        "support/sla/calendar_form.html",
        {
            "calendar": calendar,
            "form": form,
            "block_errors": errors,
            "week": _week_rows(raw),
            "holidays": list(calendar.holidays.all()) if calendar else [],
            "holiday_form": HolidayForm(),
            "next_year": next_year,
            "jp_preview": selectors.jp_holidays_of_year(year=next_year) if calendar else [],
        },
        status=400 if (form.errors or errors) else 200,
    )


def services_today_year(request: TenantRequest) -> int:
    from django.utils import timezone

    return timezone.now().astimezone(request.tenant.zone).year


@require_POST
@require_perm("settings.manage")
def calendar_delete(request: TenantRequest, calendar_id: int) -> HttpResponse:
    calendar = selectors.access_calendar(tenant=request.tenant, calendar_id=calendar_id)
    try:
        services.calendar_delete(tenant=request.tenant, calendar=calendar)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
        return redirect("support:sla_calendar_edit", calendar_id=calendar.pk)
    messages.success(request, _("Business calendar deleted."))
    return redirect("support:sla_settings")


@require_POST
@require_perm("settings.manage")
def holiday_add(request: TenantRequest, calendar_id: int) -> HttpResponse:
    calendar = selectors.access_calendar(tenant=request.tenant, calendar_id=calendar_id)
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            services.holiday_add(
                tenant=request.tenant,
                calendar=calendar,
                name=form.cleaned_data["name"],
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
            )
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, _("Holiday added."))
            return redirect("support:sla_calendar_edit", calendar_id=calendar.pk)
    next_year = services_today_year(request) + 1
    return render(
        request,
        "support/sla/calendar_form.html",
        {
            "calendar": calendar,
            "form": CalendarForm(
                initial={
                    "name": calendar.name,
                    "use_jp_holidays": calendar.use_jp_holidays,
                    "is_default": calendar.is_default,
                }
            ),
            "block_errors": [],
            "week": _week_rows(_stored_rows(calendar)),
            "holidays": list(calendar.holidays.all()),
            "holiday_form": form,
            "next_year": next_year,
            "jp_preview": selectors.jp_holidays_of_year(year=next_year),
        },
        status=400,
    )


@require_POST
@require_perm("settings.manage")
def holiday_delete(request: TenantRequest, calendar_id: int, holiday_id: int) -> HttpResponse:
    calendar = selectors.access_calendar(tenant=request.tenant, calendar_id=calendar_id)
    holiday = BusinessHoliday.objects.filter(
        tenant=request.tenant, calendar=calendar, pk=holiday_id
    ).first()
    if holiday is None:
        from django.http import Http404

        raise Http404
    services.holiday_delete(tenant=request.tenant, holiday=holiday)
    messages.success(request, _("Holiday removed."))
    return redirect("support:sla_calendar_edit", calendar_id=calendar.pk)


@require_POST
@require_perm("settings.manage")
def holiday_import(request: TenantRequest, calendar_id: int) -> HttpResponse:
    """Copies next year's Japanese public holidays into the tenant's own list (useful when
    the automatic holidays are off, or to edit them one by one)."""
    calendar = selectors.access_calendar(tenant=request.tenant, calendar_id=calendar_id)
    year = services_today_year(request) + 1
    added = services.holidays_import_jp(tenant=request.tenant, calendar=calendar, year=year)
    messages.success(
        request, _("%(count)s public holidays of %(year)s added.") % {"count": added, "year": year}
    )
    return redirect("support:sla_calendar_edit", calendar_id=calendar.pk)


@require_http_methods(["GET", "POST"])
@require_perm("settings.manage")
def policy_new(request: TenantRequest) -> HttpResponse:
    return _policy_form(request, None)


@require_http_methods(["GET", "POST"])
@require_perm("settings.manage")
def policy_edit(request: TenantRequest, policy_id: int) -> HttpResponse:
    policy = selectors.access_policy(tenant=request.tenant, policy_id=policy_id)
    return _policy_form(request, policy)


def _policy_form(request: TenantRequest, policy: Any) -> HttpResponse:
    tenant = request.tenant
    if request.method == "POST":
        form = PolicyForm(request.POST, tenant=tenant)
        if form.is_valid():
            data = services.PolicyData(
                name=form.cleaned_data["name"],
                priority=form.cleaned_data["priority"] or "",
                category=form.cleaned_data["category"],
                first_response_minutes=form.minutes("first_response"),
                resolution_minutes=form.minutes("resolution"),
                warn_before_minutes=form.cleaned_data["warn_before_minutes"],
                calendar=form.cleaned_data["calendar"],
                is_active=form.cleaned_data["is_active"],
                position=form.cleaned_data["position"],
            )
            try:
                if policy is None:
                    services.policy_create(tenant=tenant, data=data)
                else:
                    services.policy_update(tenant=tenant, policy=policy, data=data)
            except ValidationError as exc:
                fields = {
                    "first_response_minutes": "first_response_hours",
                    "resolution_minutes": "resolution_hours",
                }
                for field, errs in exc.message_dict.items():
                    target = fields.get(field, field)
                    form.add_error(target if target in form.fields else None, errs)
            else:
                messages.success(request, _("SLA policy saved."))
                return redirect("support:sla_settings")
    else:
        initial = PolicyForm.initial_for(policy) if policy else {}
        if policy is None:
            initial["calendar"] = services.default_calendar(tenant=tenant).pk
        form = PolicyForm(initial=initial, tenant=tenant)
    return render(
        request,
        "support/sla/policy_form.html",
        {"form": form, "policy": policy},
        status=400 if form.errors else 200,
    )


@require_POST
@require_perm("settings.manage")
def policy_delete(request: TenantRequest, policy_id: int) -> HttpResponse:
    policy = selectors.access_policy(tenant=request.tenant, policy_id=policy_id)
    services.policy_delete(tenant=request.tenant, policy=policy)
    messages.success(request, _("SLA policy deleted."))
    return redirect("support:sla_settings")
