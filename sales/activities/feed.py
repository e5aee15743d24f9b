"""The per-user iCalendar feed (RFC 5545) that Google Calendar and Outlook subscribe to.

Everything is a VEVENT: Google Calendar ignores VTODO, so a task is an all-day event on its
due day (or a short event at its time). Times are written in UTC (…Z), which every client
converts to the viewer's zone; all-day items are dates in the tenant's zone. UID is stable
per activity, so an edited activity moves in the subscriber's calendar instead of doubling.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from crm.core.models import Tenant, User

from . import selectors
from .models import Activity, ActivityKind

PAST_DAYS = 30
FUTURE_DAYS = 180


def uid_for(tenant: Tenant, activity: Activity) -> str:
    return f"activity-{tenant.pk}-{activity.pk}@crm"


def _language(tenant: Tenant, user: User) -> str:
    languages = dict(settings.LANGUAGES)
    if user.language in languages:
        return user.language
    return tenant.language if tenant.language in languages else "ja"


def _event(tenant: Tenant, activity: Activity, stamp: dt.datetime, base_url: str) -> Event:
    event = Event()
    event.add("uid", uid_for(tenant, activity))
    event.add("dtstamp", stamp)
    event.add("last-modified", activity.updated_at.astimezone(dt.UTC))
    kind = ActivityKind(activity.kind)
    summary = f"{kind.label}: {activity.subject}"
    if activity.done_at is not None:
        summary = "✔ " + summary
    event.add("summary", summary)
    if activity.all_day:
        day = timezone.localtime(activity.starts_at, tenant.zone).date()
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    else:
        start = activity.starts_at.astimezone(dt.UTC)
        minutes = activity.duration_minutes
        if minutes is None:
            minutes = 15 if kind == ActivityKind.TASK else 60
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=max(minutes, 0)))
        if kind == ActivityKind.TASK:
            event.add("transp", "TRANSPARENT")
    if activity.place:
        event.add("location", activity.place)
    lines = []
    if activity.contact_id and activity.contact is not None:
        lines.append(f"{_('Contact')}: {activity.contact}")
    if activity.company_id and activity.company is not None:
        lines.append(f"{_('Company')}: {activity.company.name}")
    if activity.deal_id and activity.deal is not None:
        lines.append(f"{_('Deal')}: {activity.deal.name}")
    if activity.outcome:
        lines.append(f"{_('Outcome')}: {activity.outcome}")
    if activity.notes:
        lines.append(activity.notes)
    if lines:
        event.add("description", "\n".join(lines))
    event.add("status", "CONFIRMED")
    event.add("categories", [str(kind.label)])
    path = reverse("sales:activity_detail", kwargs={"activity_id": activity.pk})
    event.add("url", base_url.rstrip("/") + path)
    return event


def build(
    *, tenant: Tenant, user: User, base_url: str = "", now: dt.datetime | None = None
) -> bytes:
    """The user's activities from 30 days back to 180 days ahead, as an .ics file (one
    query). Call inside the tenant's context."""
    now = now or timezone.now()
    start = now - dt.timedelta(days=PAST_DAYS)
    end = now + dt.timedelta(days=FUTURE_DAYS)
    rows = selectors.in_range(tenant=tenant, user_ids=[user.pk], start=start, end=end)
    with translation.override(_language(tenant, user)):
        cal = Calendar()
        cal.add("prodid", "-//CRM//Activities//JA")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", f"CRM · {tenant.name} · {user}")
        cal.add("x-wr-timezone", str(tenant.zone))
        # Clients poll subscriptions on their own schedule; this asks for hourly.
        cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT1H")
        stamp = now.astimezone(dt.UTC)
        for activity in rows:
            cal.add_component(_event(tenant, activity, stamp, base_url))
        return cal.to_ical()
