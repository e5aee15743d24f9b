"""Reads of the SLA part: timers for the queue and the ticket header, attainment for
reports, the settings page's calendars and policies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import tenantcache
from crm.core.models import Tenant
from support.tickets.models import Ticket

from .calendar import Calendar, business_minutes_between, is_open
from .models import BusinessCalendar, SlaOutcome, SlaPolicy, SlaRecord, SlaTarget, TicketSla
from .services import calendars_by_id

STATE_CSS = {
    "ok": "text-bg-success",
    "warn": "text-bg-warning",
    "breached": "text-bg-danger",
    "paused": "text-bg-secondary",
}


def duration_label(minutes: float) -> str:
    """Business minutes as "1h 20m" / "1時間20分" (whole minutes, rounded up while
    counting down so "0m left" never shows before the due time)."""
    whole = max(int(minutes), 0)
    hours, rest = divmod(whole, 60)
    if hours:
        return _("%(hours)sh %(minutes)sm") % {"hours": hours, "minutes": rest}
    return _("%(minutes)sm") % {"minutes": rest}


@dataclass(frozen=True)
class Timer:
    state: str  # ok | warn | breached | paused
    target: str  # first_response | resolution
    due: str  # ISO 8601 (UTC)
    minutes: int  # business minutes left (ok/warn/paused) or overdue (breached)
    ticking: bool  # the calendar is open now, so the client may count down
    label: str
    title: str
    css: str
    # Formats the queue's script fills while it counts down (translated here, once).
    fmt_left: str = ""
    fmt_over: str = ""
    fmt_hm: str = ""
    fmt_m: str = ""


def ticket_timer(
    ticket: Ticket,
    *,
    calendar: Calendar | None,
    warn_before_minutes: int = 0,
    first_response_met: bool = False,
    now: dt.datetime | None = None,
) -> Timer | None:
    """The timer of the target running next (None when no target runs: no policy, done,
    or every target met). Paused tickets show the time left at the pause."""
    now = now or timezone.now()
    if ticket.status in ("resolved", "closed"):
        return None
    if ticket.sla_paused_at is not None:
        candidates = [
            (ticket.first_response_due_at, SlaTarget.FIRST_RESPONSE)
            if not first_response_met
            else (None, SlaTarget.FIRST_RESPONSE),
            (ticket.resolution_due_at, SlaTarget.RESOLUTION),
        ]
        running = [(d, t) for d, t in candidates if d is not None]
        if not running:
            return None
        due, target = min(running, key=lambda item: item[0])
        left = business_minutes_between(ticket.sla_paused_at, due, calendar) if calendar else 0
        return _timer("paused", target, due, left, False, _("Paused"))
    if ticket.sla_due_at is None:
        return None
    due = ticket.sla_due_at
    target = (
        SlaTarget.FIRST_RESPONSE
        if ticket.first_response_due_at == due and not first_response_met
        else SlaTarget.RESOLUTION
    )
    ticking = bool(calendar and is_open(now, calendar))
    if due <= now:
        over = business_minutes_between(due, now, calendar) if calendar else 0
        label = _("overdue by %(time)s") % {"time": duration_label(over)}
        return _timer("breached", target, due, over, ticking, label)
    left = business_minutes_between(now, due, calendar) if calendar else 0
    left = float(int(left) + (1 if left % 1 else 0))
    state = "warn" if due - now <= dt.timedelta(minutes=warn_before_minutes) else "ok"
    label = _("%(time)s left") % {"time": duration_label(left)}
    return _timer(state, target, due, left, ticking, label)


def _timer(
    state: str, target: str, due: dt.datetime, minutes: float, ticking: bool, label: str
) -> Timer:
    local = timezone.localtime(due)
    name = SlaTarget(target).label
    title = _("%(target)s due %(when)s") % {
        "target": name,
        "when": local.strftime("%Y-%m-%d %H:%M"),
    }
    return Timer(
        state=state,
        target=str(target),
        due=due.astimezone(dt.UTC).isoformat(),
        minutes=int(minutes),
        ticking=ticking,
        label=label,
        title=str(title),
        css=STATE_CSS[state],
        fmt_left=_("%(time)s left"),
        fmt_over=_("overdue by %(time)s"),
        fmt_hm=_("%(hours)sh %(minutes)sm"),
        fmt_m=_("%(minutes)sm"),
    )


CALENDARS = "sla-calendars"


def display_calendars(*, tenant: Tenant, ids: Iterable[int]) -> dict[int, Calendar]:
    """The tenant's calendars (services.calendars_by_id) for showing timers, kept in the
    cache (crm.core.tenantcache): the queue and the ticket page show timers on every load,
    and the calendars were three of their queries. A change to a calendar, its blocks or
    holidays, or the tenant (its time zone) drops the entry (wiring.py; services.py after
    bulk writes). The SLA clock itself (services) always reads the database."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    every = tenantcache.cached(
        tenant.pk,
        CALENDARS,
        lambda: calendars_by_id(
            tenant=tenant,
            ids=BusinessCalendar.objects.filter(tenant=tenant).values_list("id", flat=True),
        ),
    )
    if not wanted <= every.keys():  # created since (the entry is dropped then, but still)
        tenantcache.forget(tenant.pk, [CALENDARS])
        every = calendars_by_id(tenant=tenant, ids=wanted)
    return {i: every[i] for i in wanted if i in every}


def forget_calendars(tenant_id: int) -> None:
    tenantcache.forget(tenant_id, [CALENDARS])


def attach_timers(
    *, tenant: Tenant, tickets: Iterable[Ticket], now: dt.datetime | None = None
) -> None:
    """Sets `ticket.sla_timer` (a dict, or None) on each ticket for the timer badge
    (presenters.timer_badge), in a fixed number of queries whatever the number of tickets:
    their clocks with policies, then the calendars (display_calendars: none when cached,
    else three)."""
    items = list(tickets)
    for ticket in items:
        ticket.sla_timer = None  # type: ignore[attr-defined]
    ids = [t.pk for t in items if t.sla_due_at is not None or t.sla_paused_at is not None]
    if not ids:
        return
    states = {
        s.ticket_id: s
        for s in TicketSla.objects.filter(tenant=tenant, ticket_id__in=ids).select_related("policy")
    }
    calendars = display_calendars(
        tenant=tenant, ids=[s.policy.calendar_id for s in states.values() if s.policy]
    )
    now = now or timezone.now()
    for ticket in items:
        state = states.get(ticket.pk)
        if state is None or state.policy is None:
            continue
        timer = ticket_timer(
            ticket,
            calendar=calendars.get(state.policy.calendar_id),
            warn_before_minutes=state.policy.warn_before_minutes,
            first_response_met=state.first_response_met_at is not None,
            now=now,
        )
        ticket.sla_timer = asdict(timer) if timer else None  # type: ignore[attr-defined]


def timer_panel_context(*, tenant: Tenant, membership: Any, ticket: Ticket) -> dict[str, Any]:
    """The ticket detail header panel: the timer, plus both targets' due times."""
    attach_timers(tenant=tenant, tickets=[ticket])
    record_rows = SlaRecord.objects.filter(tenant=tenant, ticket=ticket).values_list(
        "target", "outcome"
    )
    return {"ticket": ticket, "sla_outcomes": dict(record_rows)}


# --- reports ------------------------------------------------------------------------------


def sla_attainment(
    *,
    tenant: Tenant,
    start: dt.datetime,
    end: dt.datetime,
    group_by: str | None = None,
) -> list[dict[str, Any]]:
    """Met / breached / attainment % per target for the targets due in [start, end).

    Rows: {"target", "group", "met", "breached", "total", "attainment"}; "group" is None
    without group_by, the priority value for "priority", the category id (None for none)
    for "category". attainment is met / (met + breached) × 100, rounded to 0.1, or None
    when nothing was due. One query. Open targets not yet due are not counted; a breach
    counts once the due time passed (recorded by the beat) even if met later."""
    if group_by not in (None, "priority", "category"):
        raise ValueError("group_by must be None, 'priority' or 'category'")
    qs = SlaRecord.objects.filter(tenant=tenant, due_at__gte=start, due_at__lt=end)
    fields = ["target"]
    if group_by == "priority":
        fields.append("ticket__priority")
    elif group_by == "category":
        fields.append("ticket__category_id")
    rows = (
        qs.values(*fields)
        .annotate(
            met=Count("id", filter=Q(outcome=SlaOutcome.MET)),
            breached=Count("id", filter=Q(outcome=SlaOutcome.BREACHED)),
        )
        .order_by(*fields)
    )
    out = []
    for row in rows:
        total = row["met"] + row["breached"]
        out.append(
            {
                "target": row["target"],
                "group": row.get(fields[1]) if len(fields) > 1 else None,
                "met": row["met"],
                "breached": row["breached"],
                "total": total,
                "attainment": round(row["met"] * 100 / total, 1) if total else None,
            }
        )
    return out


# --- settings -----------------------------------------------------------------------------


def calendar_list(*, tenant: Tenant) -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.filter(tenant=tenant).prefetch_related("blocks", "holidays")


def policy_list(*, tenant: Tenant) -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.filter(tenant=tenant).select_related("calendar", "category")


def access_calendar(*, tenant: Tenant, calendar_id: int) -> BusinessCalendar:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(BusinessCalendar.objects.filter(tenant=tenant), pk=calendar_id)


def access_policy(*, tenant: Tenant, policy_id: int) -> SlaPolicy:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(SlaPolicy.objects.filter(tenant=tenant), pk=policy_id)


def jp_holidays_of_year(*, year: int) -> list[tuple[dt.date, str]]:
    """Japanese public holidays of a year (jpholiday), for the settings page's preview."""
    import jpholiday

    return [(day, str(name)) for day, name in jpholiday.year_holidays(year)]
