"""Daily report pages: today's report (phone first), my reports, the team by day and by
week, a report with its comments, search and CSV export, and the tenant's settings. Views
parse, check access (selectors.visible_reports), call a service, render."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.core.context import tenant_context
from crm.core.http import TenantRequest
from crm.core.permissions import require_perm
from crm.core.roles import has_perm

from . import selectors, services
from .forms import CommentForm, ReportForm, ReportSettingsForm
from .models import ReportStatus

FIELDS = ("did", "results", "issues", "plan_tomorrow", "minutes_spent")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _day_param(request: TenantRequest, name: str = "date") -> tuple[dt.date, str]:
    """The day asked for (today in the tenant's zone when absent) and an error if bad."""
    today = services.tenant_today(request.tenant)
    value = request.GET.get(name) or request.POST.get(name) or ""
    if not value:
        return today, ""
    try:
        return services.parse_day(value), ""
    except ValidationError as exc:
        return today, " ".join(exc.messages)


def kind_labels() -> dict[str, str]:
    return {
        "visit": _("Visit"),
        "meeting": _("Meeting"),
        "call": pgettext("activity", "Call"),
        "deal_move": _("Deal moved"),
        "deal_created": _("Deal created"),
    }


def pulled_display(items: list[dict[str, Any]], zone: Any) -> list[dict[str, Any]]:
    """The snapshot's items with local times, labels and the line one tap inserts."""
    labels = kind_labels()
    shown = []
    for item in items:
        try:
            at = dt.datetime.fromisoformat(item.get("at", ""))
            time = timezone.localtime(at, zone).strftime("%H:%M")
        except (TypeError, ValueError):
            time = ""
        label = labels.get(item.get("kind", ""), item.get("kind", ""))
        parts = [p for p in (item.get("party", ""), item.get("title", "")) if p]
        line = f"・{time} {label} " + " ".join(parts)
        if item.get("detail"):
            line += f"（{item['detail']}）"
        shown.append({**item, "time": time, "label": label, "line": line.strip()})
    return shown


def _can_write(request: TenantRequest) -> bool:
    return has_perm(request.membership.role, "sales.edit")


def _base(request: TenantRequest) -> dict[str, Any]:
    return {
        "is_team_reader": selectors.is_team_reader(request.membership),
        "can_write": _can_write(request),
        "can_configure": has_perm(request.membership.role, "settings.manage"),
        "today": services.tenant_today(request.tenant),
    }


@require_GET
@require_perm("sales.view")
def report_list(request: TenantRequest) -> HttpResponse:
    """My reports, newest day first."""
    qs = selectors.my_reports(tenant=request.tenant, user=request.user)
    rows, cursor = selectors.page_of(qs, request.GET.get("after", ""))
    today = services.tenant_today(request.tenant)
    return render(
        request,
        "sales/reports/list.html",
        {
            **_base(request),
            "reports": rows,
            "next_cursor": cursor,
            "today_report": selectors.my_report(
                tenant=request.tenant, user=request.user, day=today
            ),
            "today_is_working_day": services.is_working_day(today),
        },
    )


def _form_data(post: Any) -> dict[str, Any]:
    return {name: post.get(name, "") for name in FIELDS if name in post}


@require_http_methods(["GET", "POST"])
@require_perm("sales.edit")
def report_write(request: TenantRequest) -> HttpResponse:
    """The author's report of a day (today by default): pulled-in items on top, one tap
    copies an item into "what I did"; the script autosaves the draft while typing."""
    tenant = request.tenant
    day, day_error = _day_param(request)
    if not day_error and day > services.tenant_today(tenant):
        try:
            services.check_day(tenant, day)
        except ValidationError as exc:
            day_error = " ".join(exc.messages)
    report = selectors.my_report(tenant=tenant, user=request.user, day=day)
    autosave = request.headers.get("X-Autosave") == "1"
    if autosave and (day_error or (report is not None and report.is_submitted)):
        # A submitted report changes only when its author presses "Save changes".
        return JsonResponse({"saved": False, "errors": {"date": [day_error]} if day_error else {}})
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and not day_error:
        data = _form_data(request.POST)
        submit = request.POST.get("action") == "submit"
        if autosave and report is None and not any(str(v).strip() for v in data.values()):
            return JsonResponse({"saved": False})
        try:
            report = services.report_save_for_day(
                tenant=tenant,
                author=request.user,
                date=day,
                submit=submit and not autosave,
                **data,
            )
        except ValidationError as exc:
            if autosave:
                return JsonResponse({"saved": False, "errors": exc.message_dict}, status=400)
            errors = exc.message_dict
        else:
            if autosave:
                saved = timezone.localtime(report.updated_at, tenant.zone)
                return JsonResponse(
                    {
                        "saved": True,
                        "message": _("Draft saved at %(time)s") % {"time": f"{saved:%H:%M}"},
                    }
                )
            if submit:
                messages.success(request, _("Daily report submitted. Thank you!"))
                return redirect("sales:report_detail", report_id=report.pk)
            messages.success(request, _("Draft saved."))
            return redirect(f"{reverse('sales:report_write')}?date={day.isoformat()}")
    if request.method == "POST":
        form = ReportForm(request.POST)
        form.is_valid()
    else:
        initial = {name: getattr(report, name) for name in FIELDS} if report else {}
        form = ReportForm(initial=initial)
    for name, field_errors in errors.items():
        for message in field_errors:
            form.add_error(name if name in form.fields else None, message)
    pulled = (
        report.pulled_items
        if report is not None and report.is_submitted
        else services.pulled_items(tenant=tenant, author=request.user, day=day)
    )
    status = 400 if errors or day_error else 200
    return render(
        request,
        "sales/reports/write.html",
        {
            **_base(request),
            "day": day,
            "day_error": day_error or " ".join(errors.get("date", [])),
            "report": report,
            "form": form,
            "pulled": pulled_display(pulled, tenant.zone),
            "holiday": services.holiday_name(day),
            "working_day": services.is_working_day(day),
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1) if day < services.tenant_today(tenant) else None,
        },
        status=status,
    )


def _detail_context(request: TenantRequest, report: Any) -> dict[str, Any]:
    tenant = request.tenant
    readers = selectors.report_readers(tenant=tenant, report=report)
    return {
        **_base(request),
        "report": report,
        "comments": selectors.report_comments(tenant=tenant, report=report),
        "readers": readers,
        "read_by_me": any(r.reader_id == request.user.pk for r in readers),
        "is_author": report.author_id == request.user.pk,
        "pulled": pulled_display(report.pulled_items or [], tenant.zone),
        "comment_form": CommentForm(),
    }


@require_GET
@require_perm("sales.view")
def report_detail(request: TenantRequest, report_id: int) -> HttpResponse:
    """A report with its comments. Opening someone else's submitted report marks it read."""
    report = selectors.access_report(
        tenant=request.tenant, report_id=report_id, membership=request.membership
    )
    services.report_mark_read(tenant=request.tenant, report=report, reader=request.user)
    return render(request, "sales/reports/detail.html", _detail_context(request, report))


@require_POST
@require_perm("sales.edit")
def report_comment(request: TenantRequest, report_id: int) -> HttpResponse:
    report = selectors.access_report(
        tenant=request.tenant, report_id=report_id, membership=request.membership
    )
    form = CommentForm(request.POST)
    form.is_valid()
    error = ""
    try:
        services.comment_add(
            tenant=request.tenant,
            report=report,
            author=request.user,
            body=request.POST.get("body", ""),
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.headers.get("HX-Request"):
        ctx = _detail_context(request, report)
        if error:
            ctx["comment_form"] = form
        ctx["comment_error"] = error
        # htmx swaps only 2xx answers: the error is shown in the swapped form.
        return render(request, "sales/reports/partials/comments.html", ctx)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Comment sent."))
    return redirect("sales:report_detail", report_id=report.pk)


@require_POST
@require_perm("sales.view")
def report_read(request: TenantRequest, report_id: int) -> HttpResponse:
    """The explicit "mark as read" / "mark as unread" button."""
    report = selectors.access_report(
        tenant=request.tenant, report_id=report_id, membership=request.membership
    )
    if request.POST.get("action") == "unread":
        services.report_mark_unread(tenant=request.tenant, report=report, reader=request.user)
    else:
        services.report_mark_read(tenant=request.tenant, report=report, reader=request.user)
    if request.headers.get("HX-Request"):
        return render(
            request, "sales/reports/partials/read_button.html", _detail_context(request, report)
        )
    return redirect("sales:report_detail", report_id=report.pk)


@require_GET
@require_perm("sales.view")
def report_team_day(request: TenantRequest) -> HttpResponse:
    day, day_error = _day_param(request)
    rows = (
        selectors.team_day(tenant=request.tenant, membership=request.membership, day=day)
        if selectors.is_team_reader(request.membership)
        else []
    )
    return render(
        request,
        "sales/reports/team_day.html",
        {
            **_base(request),
            "day": day,
            "day_error": day_error,
            "rows": rows,
            "submitted": sum(1 for r in rows if r.submitted),
            "holiday": services.holiday_name(day),
            "working_day": services.is_working_day(day),
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
        },
    )


@require_GET
@require_perm("sales.view")
def report_team_week(request: TenantRequest) -> HttpResponse:
    day, day_error = _day_param(request, "week")
    start = selectors.week_start(day)
    days, rows = (
        selectors.team_week(tenant=request.tenant, membership=request.membership, start=start)
        if selectors.is_team_reader(request.membership)
        else ([start + dt.timedelta(days=i) for i in range(7)], [])
    )
    return render(
        request,
        "sales/reports/team_week.html",
        {
            **_base(request),
            "start": start,
            "day_error": day_error,
            "days": [
                {
                    "date": d,
                    "working": services.is_working_day(d),
                    "holiday": services.holiday_name(d),
                }
                for d in days
            ],
            "rows": rows,
            "prev_week": start - dt.timedelta(days=7),
            "next_week": start + dt.timedelta(days=7),
        },
    )


@require_GET
@require_perm("sales.view")
def report_search(request: TenantRequest) -> HttpResponse:
    filters = selectors.report_filters(params=request.GET)
    rows: list[Any] = []
    cursor = ""
    if not filters.errors:
        qs = selectors.report_search(
            tenant=request.tenant, membership=request.membership, filters=filters
        )
        rows, cursor = selectors.page_of(qs, request.GET.get("after", ""))
    return render(
        request,
        "sales/reports/search.html",
        {
            **_base(request),
            "filters": filters,
            "errors": filters.errors,
            "reports": rows,
            "next_cursor": cursor,
            "query": urlencode(filters.params()),
            "authors": selectors.authors_for(tenant=request.tenant, membership=request.membership),
            "statuses": ReportStatus.choices,
        },
        status=400 if filters.errors else 200,
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _guard(text: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_rows(request: TenantRequest, filters: selectors.ReportFilters) -> Iterator[list[str]]:
    yield [
        _("Date"),
        _("Author"),
        _("Status"),
        _("Submitted at"),
        _("What I did"),
        _("Results"),
        _("Issues"),
        _("Tomorrow's plan"),
        _("Time spent (minutes)"),
        _("Comments"),
    ]
    qs = selectors.report_search(
        tenant=request.tenant, membership=request.membership, filters=filters
    )
    zone = request.tenant.zone
    statuses = dict(ReportStatus.choices)
    for report in qs.iterator(chunk_size=500):
        submitted = (
            timezone.localtime(report.submitted_at, zone).strftime("%Y-%m-%d %H:%M")
            if report.submitted_at
            else ""
        )
        yield [
            report.date.isoformat(),
            _guard(str(report.author)),
            str(statuses.get(report.status, report.status)),
            submitted,
            _guard(report.did),
            _guard(report.results),
            _guard(report.issues),
            _guard(report.plan_tomorrow),
            "" if report.minutes_spent is None else str(report.minutes_spent),
            str(getattr(report, "comment_count", 0)),
        ]


@require_GET
@require_perm("sales.view")
def report_export(request: TenantRequest) -> HttpResponse:
    """The search's reports as CSV (UTF-8 with BOM so Excel reads the Japanese)."""
    filters = selectors.report_filters(params=request.GET)
    if filters.errors:
        messages.error(request, " ".join(m for ms in filters.errors.values() for m in ms))
        return redirect(f"{reverse('sales:report_search')}?{urlencode(filters.params())}")
    writer = csv.writer(_Echo())
    tenant, language = request.tenant, translation.get_language()

    def stream() -> Iterator[str]:
        # Runs after the middleware has left the request's tenant: enter it again.
        with tenant_context(tenant), translation.override(language):
            yield "\ufeff"
            for row in export_rows(request, filters):
                yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    today = services.tenant_today(request.tenant)
    response["Content-Disposition"] = f'attachment; filename="daily-reports-{today:%Y%m%d}.csv"'
    return cast(HttpResponse, response)  # the permission decorator is typed for HttpResponse


@require_http_methods(["GET", "POST"])
@require_perm("settings.manage")
def report_settings(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    current = services.report_settings(tenant=tenant)
    if request.method == "POST":
        form = ReportSettingsForm(request.POST)
        if form.is_valid():
            services.report_settings_update(
                tenant=tenant,
                actor=request.user,
                reminders_enabled=form.cleaned_data["reminders_enabled"],
                remind_at=form.cleaned_data["remind_at"],
                required_roles=form.cleaned_data["required_roles"],
            )
            messages.success(request, _("Daily report settings saved."))
            return redirect("sales:report_settings")
    else:
        form = ReportSettingsForm(
            initial={
                "reminders_enabled": current.reminders_enabled,
                "remind_at": current.remind_at,
                "required_roles": current.required_roles,
            }
        )
    return render(
        request,
        "sales/reports/settings.html",
        {**_base(request), "form": form, "zone": tenant.time_zone},
        status=400 if form.errors else 200,
    )
