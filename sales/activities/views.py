"""Activity pages: My day, the calendar (month and week), an activity's page, form and
delete confirmation, one-tap complete, the calendar feed page and the public .ics feed.
Views parse, check access (selectors: tenant and record visibility), call a service, render."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import jpholiday
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from crm.core import context
from crm.core.http import TenantRequest
from crm.core.models import User
from crm.core.permissions import public, require_perm
from crm.core.roles import has_perm
from sales.deals.selectors import access_deal

from . import feed, selectors, services
from .forms import ActivityForm, contact_choices, contact_multi_choices, deal_choices
from .models import Activity, ActivityKind, CalendarFeedToken


def _int(value: Any) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _date(value: Any, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return default


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _me(request: TenantRequest) -> User:
    """The logged-in user (require_perm has turned anonymous requests away)."""
    return cast(User, request.user)


def _can_edit(request: TenantRequest) -> bool:
    return has_perm(request.membership.role, "sales.edit")


# --- My day ---------------------------------------------------------------------------------
def _my_day_context(request: TenantRequest, day: dt.date, form: ActivityForm | None) -> dict:
    tenant = request.tenant
    lists = selectors.my_day(tenant=tenant, user_id=_me(request).pk, day=day)
    today = selectors.today(tenant)
    if form is None:
        form = ActivityForm(
            tenant=tenant,
            membership=request.membership,
            quick=True,
            initial={"kind": ActivityKind.VISIT, "date": day, "duration_minutes": "60"},
        )
    return {
        "day": day,
        "day_start": selectors.day_bounds(tenant, day)[0],
        "is_today": day == today,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "today": today,
        "overdue": lists["overdue"],
        "items": lists["today"],
        "open_count": sum(1 for a in lists["today"] if a.done_at is None),
        "form": form,
        "can_edit": _can_edit(request),
        "holiday": jpholiday.is_holiday_name(day),
    }


@require_GET
@require_perm("sales.view")
def my_day(request: TenantRequest) -> HttpResponse:
    day = _date(request.GET.get("date"), selectors.today(request.tenant))
    return render(request, "sales/activities/my_day.html", _my_day_context(request, day, None))


@require_POST
@require_perm("sales.edit")
def quick_add(request: TenantRequest) -> HttpResponse:
    """My day's quick add. Success: back to the day. Errors: the day again with the form as
    typed and what to fix (nothing saved)."""
    tenant = request.tenant
    form = ActivityForm(request.POST, tenant=tenant, membership=request.membership, quick=True)
    day = _date(request.POST.get("date"), selectors.today(tenant))
    if form.is_valid():
        try:
            activity = services.activity_create(
                tenant=tenant, actor=request.user, **form.service_data()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Added “%(subject)s”.") % {"subject": activity.subject})
            local_day = timezone.localtime(activity.starts_at, tenant.zone).date()
            return redirect(f"{reverse('sales:my_day')}?date={local_day.isoformat()}")
    return render(
        request, "sales/activities/my_day.html", _my_day_context(request, day, form), status=400
    )


# --- one activity ---------------------------------------------------------------------------
@require_GET
@require_perm("sales.view")
def activity_detail(request: TenantRequest, activity_id: int) -> HttpResponse:
    activity = selectors.access_activity(
        tenant=request.tenant, activity_id=activity_id, membership=request.membership
    )
    attendees = list(activity.attendees.select_related("user", "contact").order_by("id"))
    return render(
        request,
        "sales/activities/detail.html",
        {
            "activity": activity,
            "attendees": attendees,
            "starts_local": timezone.localtime(activity.starts_at, request.tenant.zone),
            "ends_local": timezone.localtime(activity.ends_at, request.tenant.zone)
            if activity.ends_at
            else None,
            "can_edit": _can_edit(request),
        },
    )


def _form_page(request: TenantRequest, activity: Activity | None) -> HttpResponse:
    tenant = request.tenant
    initial: dict[str, Any] | None = None
    if activity is None and request.method == "GET":
        day = _date(request.GET.get("date"), selectors.today(tenant))
        kind = request.GET.get("kind", "")
        initial = {
            "kind": kind if kind in ActivityKind.values else ActivityKind.TASK,
            "date": day,
            "time": request.GET.get("time") or None,
            "owner": request.user.pk,
            "contact": _int(request.GET.get("contact")) or "",
            "deal": _int(request.GET.get("deal")) or "",
            "company": _int(request.GET.get("company")) or "",
        }
        if initial["kind"] != ActivityKind.TASK:
            initial["duration_minutes"] = "60"
    kwargs: dict[str, Any] = {"tenant": tenant, "membership": request.membership}
    if initial is not None:
        kwargs["initial"] = initial
    form = ActivityForm(request.POST or None, instance=activity, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            if activity is None:
                activity = services.activity_create(
                    tenant=tenant, actor=request.user, **form.service_data()
                )
                messages.success(request, _("Activity added."))
            else:
                activity = services.activity_update(
                    tenant=tenant, activity=activity, actor=request.user, **form.service_data()
                )
                messages.success(request, _("Activity saved."))
            default = reverse("sales:activity_detail", kwargs={"activity_id": activity.pk})
            return redirect(_next_url(request, default))
        except ValidationError as exc:
            form.add_service_errors(exc)
    return render(
        request,
        "sales/activities/form.html",
        {"form": form, "activity": activity, "next": _next_url(request, "")},
        status=400 if request.method == "POST" else 200,
    )


@require_perm("sales.edit")
def activity_create(request: TenantRequest) -> HttpResponse:
    return _form_page(request, None)


@require_perm("sales.edit")
def activity_edit(request: TenantRequest, activity_id: int) -> HttpResponse:
    activity = selectors.access_activity(
        tenant=request.tenant, activity_id=activity_id, membership=request.membership
    )
    return _form_page(request, activity)


@require_perm("sales.edit")
def activity_delete(request: TenantRequest, activity_id: int) -> HttpResponse:
    """GET: the confirmation page; POST: delete."""
    activity = selectors.access_activity(
        tenant=request.tenant, activity_id=activity_id, membership=request.membership
    )
    if request.method == "POST":
        services.activity_delete(tenant=request.tenant, activity=activity, actor=request.user)
        messages.success(request, _("Activity deleted."))
        return redirect(_next_url(request, reverse("sales:my_day")))
    return render(request, "sales/activities/confirm_delete.html", {"activity": activity})


def _row_response(request: TenantRequest, activity: Activity) -> HttpResponse:
    activity = selectors.access_activity(
        tenant=request.tenant, activity_id=activity.pk, membership=request.membership
    )
    return render(
        request,
        "sales/activities/partials/row.html",
        {
            "a": activity,
            "can_edit": _can_edit(request),
            "overdue_before": selectors.day_bounds(request.tenant, selectors.today(request.tenant))[
                0
            ],
        },
    )


@require_POST
@require_perm("sales.edit")
def activity_complete(request: TenantRequest, activity_id: int) -> HttpResponse:
    """One tap: done, logged on the timeline. htmx gets the row back; a plain form goes on."""
    activity = selectors.access_activity(
        tenant=request.tenant, activity_id=activity_id, membership=request.membership
    )
    outcome = request.POST.get("outcome")
    activity = services.activity_complete(
        tenant=request.tenant, activity=activity, actor=request.user, outcome=outcome
    )
    if request.headers.get("HX-Request"):
        return _row_response(request, activity)
    messages.success(request, _("Done: %(subject)s") % {"subject": activity.subject})
    return redirect(
        _next_url(request, reverse("sales:activity_detail", kwargs={"activity_id": activity.pk}))
    )


@require_POST
@require_perm("sales.edit")
def activity_reopen(request: TenantRequest, activity_id: int) -> HttpResponse:
    activity = selectors.access_activity(
        tenant=request.tenant, activity_id=activity_id, membership=request.membership
    )
    activity = services.activity_reopen(
        tenant=request.tenant, activity=activity, actor=request.user
    )
    if request.headers.get("HX-Request"):
        return _row_response(request, activity)
    messages.success(request, _("Opened again: %(subject)s") % {"subject": activity.subject})
    return redirect(
        _next_url(request, reverse("sales:activity_detail", kwargs={"activity_id": activity.pk}))
    )


@require_GET
@require_perm("sales.view")
def related_options(request: TenantRequest) -> HttpResponse:
    """htmx: the contact or deal select's options for what was typed (the chosen one kept)."""
    which = request.GET.get("which", "contact")
    search = request.GET.get(f"{which}_search", "").strip()
    if which == "attendee_contacts":
        # Several may be chosen: they stay selected, matches are added unselected.
        kept = [int(v) for v in request.GET.getlist(which) if v.isdigit()]
        many = contact_multi_choices(request.tenant, request.membership, search, chosen=kept)
        return HttpResponse(
            "".join(
                f'<option value="{pk}"{" selected" if pk in kept else ""}>{escape(label)}</option>'
                for pk, label in many
            )
        )
    chosen = _int(request.GET.get(which))
    builder = deal_choices if which == "deal" else contact_choices
    options = builder(request.tenant, request.membership, search=search, chosen=chosen)
    if search and len(options) > 1 and chosen is None:
        chosen = options[1][0]  # the first match is picked, so one tap after typing is enough
    html = "".join(
        f'<option value="{pk}"{" selected" if pk == chosen else ""}>{escape(label)}</option>'
        for pk, label in options
    )
    return HttpResponse(html)


@require_GET
@require_perm("sales.view")
def deal_activities(request: TenantRequest, deal_id: int) -> HttpResponse:
    """htmx: the Activities section of a deal's page."""
    deal = access_deal(tenant=request.tenant, deal_id=deal_id, membership=request.membership)
    return render(
        request,
        "sales/activities/partials/record_panel.html",
        {
            "panel": {
                "activities": selectors.for_record(
                    tenant=request.tenant, membership=request.membership, deal=deal
                ),
                "add_query": f"deal={deal.pk}",
                "can_edit": _can_edit(request),
                "next": reverse("sales:deal_detail", kwargs={"deal_id": deal.pk}),
            }
        },
    )


# --- calendar -------------------------------------------------------------------------------
def _calendar_user_ids(
    request: TenantRequest, owners: list[tuple[int, str]]
) -> tuple[str, list[int]]:
    allowed = [pk for pk, _label in owners]
    chosen = request.GET.get("owner", "")
    if chosen == "team" and len(allowed) > 1:
        return "team", allowed
    owner_id = _int(chosen)
    if owner_id is not None and owner_id in allowed:
        return str(owner_id), [owner_id]
    return str(_me(request).pk), [_me(request).pk]


@require_GET
@require_perm("sales.view")
def calendar(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    today = selectors.today(tenant)
    view = "week" if request.GET.get("view") == "week" else "month"
    anchor = _date(request.GET.get("date"), today)
    owners = selectors.calendar_owners(tenant, request.membership)
    owner_value, user_ids = _calendar_user_ids(request, owners)
    if view == "week":
        first = anchor - dt.timedelta(days=(anchor.weekday() + 1) % 7)  # Sunday
        last = first + dt.timedelta(days=6)
        prev_date, next_date = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
    else:
        month_start = anchor.replace(day=1)
        first = month_start - dt.timedelta(days=(month_start.weekday() + 1) % 7)
        next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
        last_of_month = next_month - dt.timedelta(days=1)
        last = last_of_month + dt.timedelta(days=(5 - last_of_month.weekday()) % 7)
        prev_date = (month_start - dt.timedelta(days=1)).replace(day=1)
        next_date = next_month
    start, _ignored = selectors.day_bounds(tenant, first)
    _ignored2, end = selectors.day_bounds(tenant, last)
    rows = selectors.in_range(tenant=tenant, user_ids=user_ids, start=start, end=end)
    by_day: dict[dt.date, list[Activity]] = {}
    for activity in rows:
        by_day.setdefault(timezone.localtime(activity.starts_at, tenant.zone).date(), []).append(
            activity
        )
    holidays = dict(jpholiday.between(first, last))
    days = []
    current = first
    while current <= last:
        days.append(
            {
                "date": current,
                "items": by_day.get(current, []),
                "holiday": holidays.get(current, ""),
                "is_today": current == today,
                "in_month": view == "week" or current.month == anchor.month,
                "weekday": (current.weekday() + 1) % 7,  # 0 = Sunday
            }
        )
        current += dt.timedelta(days=1)
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    base = reverse("sales:calendar")
    owner_q = f"&owner={owner_value}" if owner_value != str(request.user.pk) else ""

    def link(day: dt.date, as_view: str = view) -> str:
        return f"{base}?view={as_view}&date={day.isoformat()}{owner_q}"

    return render(
        request,
        "sales/activities/calendar.html",
        {
            "view": view,
            "anchor": anchor,
            "first": first,
            "last": last,
            "weeks": weeks,
            "days": days,
            "weekday_names": [
                _("Sun"),
                _("Mon"),
                _("Tue"),
                _("Wed"),
                _("Thu"),
                _("Fri"),
                _("Sat"),
            ],
            "prev_url": link(prev_date),
            "next_url": link(next_date),
            "today_url": link(today),
            "month_url": link(anchor, "month"),
            "week_url": link(anchor, "week"),
            "owners": owners,
            "owner_value": owner_value,
            "can_edit": _can_edit(request),
            "count": len(rows),
        },
    )


# --- calendar feed --------------------------------------------------------------------------
FEED_SESSION_KEY = "sales-calendar-feed-url"


@require_GET
@require_perm("sales.view")
def feed_settings(request: TenantRequest) -> HttpResponse:
    """The feed's page. Only the hash is stored, so the URL is shown right after it is
    made (kept in the session for that one view) and otherwise made anew."""
    token = CalendarFeedToken.objects.filter(tenant=request.tenant, user=_me(request)).first()
    fresh = request.session.pop(FEED_SESSION_KEY, "")
    return render(
        request,
        "sales/activities/feed_settings.html",
        {"token": token, "feed_url": fresh},
    )


@require_POST
@require_perm("sales.view")
def feed_regenerate(request: TenantRequest) -> HttpResponse:
    if request.POST.get("action") == "revoke":
        services.feed_token_revoke(tenant=request.tenant, user=_me(request))
        messages.success(request, _("The calendar feed is turned off; its URL no longer works."))
        return redirect("sales:calendar_feed_settings")
    _token, raw = services.feed_token_create(tenant=request.tenant, user=_me(request))
    request.session[FEED_SESSION_KEY] = request.build_absolute_uri(
        reverse("sales:calendar_feed", kwargs={"token": raw})
    )
    messages.success(request, _("New feed URL made. Any earlier URL has stopped working."))
    return redirect("sales:calendar_feed_settings")


@public
@never_cache
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the secret in the URL is the only key (calendar apps cannot log in). It
    resolves the tenant and the user; the feed is read inside that tenant."""
    found = services.feed_token_resolve(token)
    if found is None:
        raise Http404
    with context.tenant_context(found.tenant):
        body = feed.build(
            tenant=found.tenant, user=found.user, base_url=request.build_absolute_uri("/")
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="crm.ics"'
    return response
