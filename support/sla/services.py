"""Writes of the SLA part: calendars and policies (validated, all or nothing), the clock of
each ticket driven by the ticket hooks, and the beat's warning and breach scan.

The clock of a ticket: a target of N business minutes is due at
`add_business_minutes(created_at, N + paused_minutes)`, where `paused_minutes` is the
business time the ticket spent pending (or done, then reopened). So re-picking a policy
after a priority change, or resuming after a pause, is the same one computation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.core import context
from crm.core.models import Membership, Tenant
from crm.core.roles import Role
from crm.core.services.notifications import notify
from support.tickets.models import (
    DONE_STATUSES,
    Priority,
    Status,
    SupportTeamMember,
    Ticket,
    TicketCategory,
)

from .calendar import (
    Calendar,
    NoBusinessHours,
    add_business_minutes,
    business_minutes_between,
    overlaps,
    time_minutes,
)
from .models import (
    BusinessBlock,
    BusinessCalendar,
    BusinessHoliday,
    SlaOutcome,
    SlaPolicy,
    SlaTarget,
    TicketSla,
    Weekday,
)

PAUSE_STATUSES = (Status.PENDING,)
MAX_HOLIDAY_DAYS = 366
MAX_TARGET_MINUTES = 60 * 24 * 365

# The calendar every new tenant gets when it first needs one: weekdays 9:00–18:00.
DEFAULT_BLOCKS = [(d, dt.time(9), dt.time(18)) for d in range(5)]


# --- calendars ----------------------------------------------------------------------------


def hhmm(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def validate_blocks(blocks: Iterable[tuple[int, dt.time, dt.time]]) -> None:
    """Refuses inverted blocks and overlapping blocks, naming the weekday and the times."""
    errors: list[str] = []
    rows = list(blocks)
    for weekday, start, end in rows:
        if weekday not in Weekday.values:
            errors.append(_("Choose a weekday for every block."))
            continue
        a, b = time_minutes(start), time_minutes(end, end_of_day=True)
        if b <= a:
            errors.append(
                _(
                    "%(weekday)s %(start)s–%(end)s: the end must be after the start "
                    "(use 00:00 as the end for midnight)."
                )
                % {"weekday": Weekday(weekday).label, "start": hhmm(a), "end": hhmm(b)}
            )
    if errors:
        raise ValidationError(errors)
    for weekday, first, second in overlaps(rows):
        errors.append(
            _("%(weekday)s: %(a)s–%(b)s overlaps %(c)s–%(d)s. Change one so they do not overlap.")
            % {
                "weekday": Weekday(weekday).label,
                "a": hhmm(first[0]),
                "b": hhmm(first[1]),
                "c": hhmm(second[0]),
                "d": hhmm(second[1]),
            }
        )
    if errors:
        raise ValidationError(errors)


def validate_holiday(*, name: str, start_date: dt.date, end_date: dt.date | None) -> dt.date:
    end_date = end_date or start_date
    if not (name or "").strip():
        raise ValidationError({"name": _("Give the holiday a name, e.g. 年末年始.")})
    if end_date < start_date:
        raise ValidationError({"end_date": _("The last day must not be before the first day.")})
    if (end_date - start_date).days >= MAX_HOLIDAY_DAYS:
        raise ValidationError({"end_date": _("A holiday can be at most a year long.")})
    return end_date


def _forget_calendars(tenant: Tenant) -> None:
    from .selectors import forget_calendars

    forget_calendars(tenant.pk)


def calendar_spec(calendar: BusinessCalendar, *, tenant: Tenant) -> Calendar:
    """The pure Calendar of a stored one (two queries; one when blocks and holidays are
    prefetched)."""
    return Calendar.build(
        zone=tenant.zone,
        blocks=[(b.weekday, b.start, b.end) for b in calendar.blocks.all()],
        holidays=[(h.start_date, h.end_date) for h in calendar.holidays.all()],
        use_jp_holidays=calendar.use_jp_holidays,
    )


def calendars_by_id(*, tenant: Tenant, ids: Iterable[int]) -> dict[int, Calendar]:
    """Pure calendars for several ids in three queries."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    found = BusinessCalendar.objects.filter(tenant=tenant, pk__in=wanted).prefetch_related(
        "blocks", "holidays"
    )
    return {c.pk: calendar_spec(c, tenant=tenant) for c in found}


@transaction.atomic
def default_calendar(*, tenant: Tenant) -> BusinessCalendar:
    """The tenant's default calendar, created (weekdays 9:00–18:00, Japanese holidays
    closed) the first time one is needed."""
    found = BusinessCalendar.objects.filter(tenant=tenant, is_default=True).first()
    if found is not None:
        return found
    first = BusinessCalendar.objects.filter(tenant=tenant).order_by("id").first()
    if first is not None:
        first.is_default = True
        first.save(update_fields=["is_default"])
        return first
    return calendar_create(
        tenant=tenant, name=_("Standard business hours"), blocks=DEFAULT_BLOCKS, is_default=True
    )


@transaction.atomic
def calendar_create(
    *,
    tenant: Tenant,
    name: str,
    blocks: Iterable[tuple[int, dt.time, dt.time]] = (),
    use_jp_holidays: bool = True,
    is_default: bool = False,
) -> BusinessCalendar:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the calendar a name.")})
    rows = list(blocks)
    validate_blocks(rows)
    if BusinessCalendar.objects.filter(tenant=tenant, name=name).exists():
        raise ValidationError({"name": _("A calendar with this name already exists.")})
    if not BusinessCalendar.objects.filter(tenant=tenant).exists():
        is_default = True
    if is_default:
        BusinessCalendar.objects.filter(tenant=tenant, is_default=True).update(is_default=False)
    calendar = BusinessCalendar.objects.create(
        tenant=tenant, name=name, use_jp_holidays=use_jp_holidays, is_default=is_default
    )
    _replace_blocks(tenant, calendar, rows)
    return calendar


@transaction.atomic
def calendar_update(
    *,
    tenant: Tenant,
    calendar: BusinessCalendar,
    name: str | None = None,
    use_jp_holidays: bool | None = None,
    is_default: bool | None = None,
    blocks: Iterable[tuple[int, dt.time, dt.time]] | None = None,
    holidays: Iterable[tuple[str, dt.date, dt.date | None]] | None = None,
) -> BusinessCalendar:
    """Changes what is given; `blocks` replaces the whole week, `holidays` (name, first,
    last day) the whole list. Nothing is saved when any part is invalid."""
    if calendar.tenant_id != tenant.pk:
        raise ValueError("calendar_update across tenants")
    rows = list(blocks) if blocks is not None else None
    if rows is not None:
        validate_blocks(rows)
    closed: list[tuple[str, dt.date, dt.date]] | None = None
    if holidays is not None:
        closed = []
        for index, (hname, first_day, last_day) in enumerate(holidays):
            try:
                last_day = validate_holiday(name=hname, start_date=first_day, end_date=last_day)
            except ValidationError as exc:
                raise ValidationError(
                    {"holidays": [f"{index + 1}: {m}" for m in exc.messages]}
                ) from None
            closed.append((hname.strip()[:100], first_day, last_day))
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": _("Give the calendar a name.")})
        clash = BusinessCalendar.objects.filter(tenant=tenant, name=name).exclude(pk=calendar.pk)
        if clash.exists():
            raise ValidationError({"name": _("A calendar with this name already exists.")})
        calendar.name = name
    if use_jp_holidays is not None:
        calendar.use_jp_holidays = use_jp_holidays
    if is_default and not calendar.is_default:
        BusinessCalendar.objects.filter(tenant=tenant, is_default=True).update(is_default=False)
        calendar.is_default = True
    calendar.save()
    if rows is not None:
        _replace_blocks(tenant, calendar, rows)
    if closed is not None:
        BusinessHoliday.objects.filter(tenant=tenant, calendar=calendar).delete()
        BusinessHoliday.objects.bulk_create(
            [
                BusinessHoliday(tenant=tenant, calendar=calendar, name=n, start_date=a, end_date=b)
                for n, a, b in closed
            ]
        )
        _forget_calendars(tenant)  # bulk_create sends no signals
    return calendar


def _replace_blocks(
    tenant: Tenant, calendar: BusinessCalendar, rows: list[tuple[int, dt.time, dt.time]]
) -> None:
    BusinessBlock.objects.filter(tenant=tenant, calendar=calendar).delete()
    BusinessBlock.objects.bulk_create(
        [
            BusinessBlock(tenant=tenant, calendar=calendar, weekday=w, start=s, end=e)
            for w, s, e in sorted(rows, key=lambda r: (r[0], r[1]))
        ]
    )
    _forget_calendars(tenant)  # bulk_create sends no signals


@transaction.atomic
def calendar_delete(*, tenant: Tenant, calendar: BusinessCalendar) -> None:
    if calendar.tenant_id != tenant.pk:
        raise ValueError("calendar_delete across tenants")
    if SlaPolicy.objects.filter(tenant=tenant, calendar=calendar).exists():
        raise ValidationError(
            _("Policies use this calendar. Move them to another calendar before deleting it.")
        )
    if calendar.is_default:
        raise ValidationError(
            _("This is the default calendar. Make another one the default first.")
        )
    calendar.delete()


@transaction.atomic
def holiday_add(
    *,
    tenant: Tenant,
    calendar: BusinessCalendar,
    name: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> BusinessHoliday:
    if calendar.tenant_id != tenant.pk:
        raise ValueError("holiday_add across tenants")
    end_date = validate_holiday(name=name, start_date=start_date, end_date=end_date)
    return BusinessHoliday.objects.create(
        tenant=tenant,
        calendar=calendar,
        name=name.strip()[:100],
        start_date=start_date,
        end_date=end_date,
    )


def holiday_delete(*, tenant: Tenant, holiday: BusinessHoliday) -> None:
    if holiday.tenant_id != tenant.pk:
        raise ValueError("holiday_delete across tenants")
    holiday.delete()


# --- policies -----------------------------------------------------------------------------


@dataclass
class PolicyData:
    name: str
    first_response_minutes: int
    resolution_minutes: int
    calendar: BusinessCalendar
    priority: str = ""
    category: TicketCategory | None = None
    warn_before_minutes: int = 30
    is_active: bool = True
    position: int = 0


def _validate_policy(tenant: Tenant, data: PolicyData) -> None:
    errors: dict[str, str] = {}
    if not (data.name or "").strip():
        errors["name"] = _("Give the policy a name.")
    if data.priority and data.priority not in Priority.values:
        errors["priority"] = _("Choose a priority from the list, or any priority.")
    for key in ("first_response_minutes", "resolution_minutes"):
        value = getattr(data, key)
        if value is None or value <= 0:
            errors[key] = _("Enter a target longer than zero (hours and minutes).")
        elif value > MAX_TARGET_MINUTES:
            errors[key] = _("A target can be at most a year of business time.")
    if (
        "first_response_minutes" not in errors
        and "resolution_minutes" not in errors
        and data.resolution_minutes < data.first_response_minutes
    ):
        errors["resolution_minutes"] = _(
            "The resolution target must not be shorter than the first response target."
        )
    if data.warn_before_minutes is None or data.warn_before_minutes < 0:
        errors["warn_before_minutes"] = _("Enter zero or more minutes.")
    if data.calendar is None or data.calendar.tenant_id != tenant.pk:
        errors["calendar"] = _("Choose a business calendar.")
    if data.category is not None and data.category.tenant_id != tenant.pk:
        errors["category"] = _("Choose a category from the list.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def policy_create(*, tenant: Tenant, data: PolicyData) -> SlaPolicy:
    _validate_policy(tenant, data)
    return SlaPolicy.objects.create(
        tenant=tenant,
        name=data.name.strip()[:100],
        priority=data.priority or "",
        category=data.category,
        first_response_minutes=data.first_response_minutes,
        resolution_minutes=data.resolution_minutes,
        warn_before_minutes=data.warn_before_minutes,
        calendar=data.calendar,
        is_active=data.is_active,
        position=data.position,
    )


@transaction.atomic
def policy_update(*, tenant: Tenant, policy: SlaPolicy, data: PolicyData) -> SlaPolicy:
    """Replaces the policy's settings. Tickets already running keep their due times until
    their priority or category changes (a policy edit does not move promises made)."""
    if policy.tenant_id != tenant.pk:
        raise ValueError("policy_update across tenants")
    _validate_policy(tenant, data)
    policy.name = data.name.strip()[:100]
    policy.priority = data.priority or ""
    policy.category = data.category
    policy.first_response_minutes = data.first_response_minutes
    policy.resolution_minutes = data.resolution_minutes
    policy.warn_before_minutes = data.warn_before_minutes
    policy.calendar = data.calendar
    policy.is_active = data.is_active
    policy.position = data.position
    policy.save()
    return policy


def policy_delete(*, tenant: Tenant, policy: SlaPolicy) -> None:
    if policy.tenant_id != tenant.pk:
        raise ValueError("policy_delete across tenants")
    policy.delete()


def pick_policy(*, tenant: Tenant, priority: str, category_id: int | None) -> SlaPolicy | None:
    """The most specific active policy: priority+category > category > priority > any.
    A policy for a category also matches its sub-categories (the nearest one wins); ties
    go to the lower order. Two queries."""
    policies = list(
        SlaPolicy.objects.filter(tenant=tenant, is_active=True).order_by("position", "id")
    )
    if not policies:
        return None
    chain: list[int] = []  # the category, its parent, … (nearest first)
    if category_id:
        parents = dict(TicketCategory.objects.filter(tenant=tenant).values_list("id", "parent_id"))
        current: int | None = category_id
        while current and current not in chain:
            chain.append(current)
            current = parents.get(current)

    def rank(policy: SlaPolicy) -> tuple[int, int] | None:
        if policy.priority and policy.priority != priority:
            return None
        if policy.category_id is not None:
            if policy.category_id not in chain:
                return None
            depth = chain.index(policy.category_id)
            return (0 if policy.priority else 1, depth)
        return (2 if policy.priority else 3, 0)

    ranked = [(r, i, p) for i, p in enumerate(policies) if (r := rank(p)) is not None]
    if not ranked:
        return None
    return min(ranked, key=lambda item: (item[0], item[1]))[2]


# --- the clock of a ticket ----------------------------------------------------------------


def ticket_sla_write(
    *,
    ticket: Ticket,
    first_response_due_at: dt.datetime | None,
    resolution_due_at: dt.datetime | None,
    sla_due_at: dt.datetime | None,
    sla_paused_at: dt.datetime | None,
) -> None:
    """The one writer of the ticket's SLA columns (one UPDATE; the instance follows)."""
    values = {
        "first_response_due_at": first_response_due_at,
        "resolution_due_at": resolution_due_at,
        "sla_due_at": sla_due_at,
        "sla_paused_at": sla_paused_at,
    }
    Ticket.objects.filter(tenant_id=ticket.tenant_id, pk=ticket.pk).update(**values)
    for key, value in values.items():
        setattr(ticket, key, value)


def _state(tenant: Tenant, ticket: Ticket) -> TicketSla:
    state = (
        TicketSla.objects.select_for_update(of=("self",))
        .select_related("policy")
        .filter(tenant=tenant, ticket=ticket)
        .first()
    )
    if state is None:
        state = TicketSla.objects.create(tenant=tenant, ticket=ticket)
    return state


def _calendar(tenant: Tenant, policy: SlaPolicy) -> Calendar:
    return calendars_by_id(tenant=tenant, ids=[policy.calendar_id])[policy.calendar_id]


def _running_due(ticket: Ticket, state: TicketSla) -> dt.datetime | None:
    """The earliest due time of a target still running (NULL when paused or done)."""
    if ticket.sla_paused_at is not None or ticket.status in DONE_STATUSES:
        return None
    dues = []
    if ticket.first_response_due_at and state.first_response_met_at is None:
        dues.append(ticket.first_response_due_at)
    if ticket.resolution_due_at and state.resolution_met_at is None:
        dues.append(ticket.resolution_due_at)
    return min(dues) if dues else None


def _recompute(tenant: Tenant, ticket: Ticket, state: TicketSla, *, paused_at: Any) -> None:
    """Due times from created_at, the policy's targets and the paused business time."""
    policy = state.policy
    if policy is None:
        ticket_sla_write(
            ticket=ticket,
            first_response_due_at=None,
            resolution_due_at=None,
            sla_due_at=None,
            sla_paused_at=paused_at,
        )
        return
    calendar = _calendar(tenant, policy)
    first: dt.datetime | None
    resolution: dt.datetime | None
    try:
        first = add_business_minutes(
            ticket.created_at, policy.first_response_minutes + state.paused_minutes, calendar
        )
        resolution = add_business_minutes(
            ticket.created_at, policy.resolution_minutes + state.paused_minutes, calendar
        )
    except NoBusinessHours:
        first = resolution = None
    ticket.first_response_due_at, ticket.resolution_due_at = first, resolution
    ticket.sla_paused_at = paused_at
    ticket_sla_write(
        ticket=ticket,
        first_response_due_at=first,
        resolution_due_at=resolution,
        sla_due_at=_running_due(ticket, state),
        sla_paused_at=paused_at,
    )


def _record(
    tenant: Tenant,
    ticket: Ticket,
    state: TicketSla,
    target: str,
    *,
    due_at: dt.datetime | None,
    met_at: dt.datetime | None = None,
    breached_at: dt.datetime | None = None,
) -> None:
    """Writes the target's record once (INSERT … ON CONFLICT): a breach recorded by the
    beat first gains only its met_at when the reply or resolution comes later."""
    if due_at is None:
        return
    if met_at is not None and breached_at is None and met_at > due_at:
        breached_at = due_at
    outcome = SlaOutcome.BREACHED if breached_at is not None else SlaOutcome.MET
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO support_slarecord
              (tenant_id, ticket_id, target, policy_id, outcome, due_at, met_at, breached_at,
               recorded_at)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now())
            ON CONFLICT (tenant_id, ticket_id, target) DO UPDATE
              SET met_at = COALESCE(support_slarecord.met_at, EXCLUDED.met_at)
            """,
            [
                tenant.pk,
                ticket.pk,
                target,
                state.policy_id,
                outcome,
                due_at,
                met_at,
                breached_at,
            ],
        )


def _meet(tenant: Tenant, ticket: Ticket, state: TicketSla, target: str, at: dt.datetime) -> None:
    if getattr(state, f"{target}_met_at") is not None:
        return
    setattr(state, f"{target}_met_at", at)
    state.save(update_fields=[f"{target}_met_at"])
    _record(tenant, ticket, state, target, due_at=getattr(ticket, f"{target}_due_at"), met_at=at)


def on_ticket_event(
    *,
    ticket: Ticket,
    event: str,
    message: Any = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    actor: Any = None,
) -> None:
    """The ticket hook (support.tickets.hooks): runs inside the ticket service's
    transaction, so a failure here rolls the ticket change back too."""
    active = context.current_tenant()
    tenant = active if active is not None and active.pk == ticket.tenant_id else ticket.tenant
    now = timezone.now()
    if event == "created":
        state = _state(tenant, ticket)
        state.policy = pick_policy(
            tenant=tenant, priority=ticket.priority, category_id=ticket.category_id
        )
        state.save(update_fields=["policy"])
        paused = now if ticket.status in PAUSE_STATUSES else None
        _recompute(tenant, ticket, state, paused_at=paused)
        return
    if event == "message":
        if ticket.first_response_at is None:
            return
        state = _state(tenant, ticket)
        if state.first_response_met_at is None and ticket.first_response_due_at is not None:
            _meet(tenant, ticket, state, SlaTarget.FIRST_RESPONSE, ticket.first_response_at)
            ticket_sla_write(
                ticket=ticket,
                first_response_due_at=ticket.first_response_due_at,
                resolution_due_at=ticket.resolution_due_at,
                sla_due_at=_running_due(ticket, state),
                sla_paused_at=ticket.sla_paused_at,
            )
        return
    if event != "changed" or not changes:
        return
    state = _state(tenant, ticket)
    if "priority" in changes or "category" in changes:
        state.policy = pick_policy(
            tenant=tenant, priority=ticket.priority, category_id=ticket.category_id
        )
        state.save(update_fields=["policy"])
        _recompute(tenant, ticket, state, paused_at=ticket.sla_paused_at)
    if "status" in changes:
        _status_changed(tenant, ticket, state, now)


def _status_changed(tenant: Tenant, ticket: Ticket, state: TicketSla, now: dt.datetime) -> None:
    stops = ticket.status in PAUSE_STATUSES or ticket.status in DONE_STATUSES
    if ticket.status in DONE_STATUSES:
        _meet(tenant, ticket, state, SlaTarget.RESOLUTION, ticket.resolved_at or now)
    if stops:
        # Pending or done: the clock stops (done counts as paused, so a reopened ticket
        # resumes where it stood).
        ticket_sla_write(
            ticket=ticket,
            first_response_due_at=ticket.first_response_due_at,
            resolution_due_at=ticket.resolution_due_at,
            sla_due_at=None,
            sla_paused_at=ticket.sla_paused_at or now,
        )
        return
    if ticket.sla_paused_at is not None:
        # Back to work: the business time spent paused moves the due times later.
        if state.policy is not None:
            calendar = _calendar(tenant, state.policy)
            state.paused_minutes += business_minutes_between(ticket.sla_paused_at, now, calendar)
            state.save(update_fields=["paused_minutes"])
        ticket.sla_paused_at = None
        _recompute(tenant, ticket, state, paused_at=None)


def ticket_sla_start(*, tenant: Tenant, ticket: Ticket) -> None:
    """Starts the clock of a ticket that has none (tickets opened before a policy existed
    get one on their next priority or category change; this is the explicit door)."""
    on_ticket_event(ticket=ticket, event="created")


# --- the beat: warnings and breaches ------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    ticket_id: int
    target: str
    kind: str  # "warning" | "breach"
    due_at: dt.datetime
    policy_id: int | None


_BREACH_SQL = """
UPDATE support_ticketsla s SET {target}_breached_at = %(now)s
FROM support_ticket t
WHERE s.tenant_id = %(tenant)s AND t.tenant_id = %(tenant)s AND t.id = s.ticket_id
  AND t.sla_due_at IS NOT NULL AND t.sla_due_at <= %(now)s
  AND t.{target}_due_at <= %(now)s
  AND s.{target}_met_at IS NULL AND s.{target}_breached_at IS NULL
RETURNING s.ticket_id, t.{target}_due_at, s.policy_id
"""

_WARN_SQL = """
UPDATE support_ticketsla s SET {target}_warned_at = %(now)s
FROM support_ticket t, support_slapolicy p
WHERE s.tenant_id = %(tenant)s AND t.tenant_id = %(tenant)s AND p.tenant_id = %(tenant)s
  AND t.id = s.ticket_id AND p.id = s.policy_id AND p.warn_before_minutes > 0
  AND t.sla_due_at IS NOT NULL AND t.sla_due_at <= %(horizon)s
  AND t.{target}_due_at > %(now)s
  AND t.{target}_due_at <= %(now)s + p.warn_before_minutes * interval '1 minute'
  AND s.{target}_met_at IS NULL AND s.{target}_warned_at IS NULL
  AND s.{target}_breached_at IS NULL
RETURNING s.ticket_id, t.{target}_due_at, s.policy_id
"""


def sla_scan(*, tenant: Tenant, now: dt.datetime | None = None) -> list[Alert]:
    """Marks and notifies, once each, the targets whose due time is within their policy's
    warning window or past, and records the breaches. Each mark is one UPDATE … RETURNING
    that only takes unmarked rows, so two overlapping beats never both take a ticket (the
    second waits on the row lock and re-checks the mark). Uses index ticket_sla_due."""
    now = now or timezone.now()
    alerts: list[Alert] = []
    with transaction.atomic():
        max_warn = max(
            SlaPolicy.objects.filter(tenant=tenant).values_list("warn_before_minutes", flat=True),
            default=0,
        )
        params: dict[str, Any] = {
            "tenant": tenant.pk,
            "now": now,
            "horizon": now + dt.timedelta(minutes=max_warn),
        }
        with connection.cursor() as cursor:
            for target in (SlaTarget.FIRST_RESPONSE, SlaTarget.RESOLUTION):
                cursor.execute(_BREACH_SQL.format(target=target.value), params)
                alerts += [Alert(r[0], target, "breach", r[1], r[2]) for r in cursor.fetchall()]
            for target in (SlaTarget.FIRST_RESPONSE, SlaTarget.RESOLUTION):
                cursor.execute(_WARN_SQL.format(target=target.value), params)
                alerts += [Alert(r[0], target, "warning", r[1], r[2]) for r in cursor.fetchall()]
            breaches = [a for a in alerts if a.kind == "breach"]
            if breaches:
                cursor.execute(
                    """
                    INSERT INTO support_slarecord (tenant_id, ticket_id, target, policy_id,
                      outcome, due_at, breached_at, recorded_at)
                    SELECT %s, x.ticket_id, x.target, x.policy_id, 'breached', x.due_at,
                      x.due_at, now()
                    FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::timestamptz[])
                      AS x(ticket_id, target, policy_id, due_at)
                    ON CONFLICT (tenant_id, ticket_id, target) DO NOTHING
                    """,
                    [
                        tenant.pk,
                        [a.ticket_id for a in breaches],
                        [str(a.target) for a in breaches],
                        [a.policy_id for a in breaches],
                        [a.due_at for a in breaches],
                    ],
                )
        if alerts:
            _notify_alerts(tenant, alerts)
    return alerts


def _notify_alerts(tenant: Tenant, alerts: list[Alert]) -> None:
    tickets = {
        t.pk: t
        for t in Ticket.objects.filter(tenant=tenant, pk__in={a.ticket_id for a in alerts})
        .select_related("assignee")
        .only("id", "number", "subject", "assignee", "team_id", "tenant_id")
    }
    team_ids = {t.team_id for t in tickets.values() if t.assignee_id is None and t.team_id}
    team_members: dict[int, list[Any]] = {}
    for member in SupportTeamMember.objects.filter(
        tenant=tenant, team_id__in=team_ids
    ).select_related("user"):
        team_members.setdefault(member.team_id, []).append(member.user)
    managers: list[Any] | None = None
    for alert in alerts:
        ticket = tickets.get(alert.ticket_id)
        if ticket is None:
            continue
        if ticket.assignee is not None:
            users = [ticket.assignee]
        elif ticket.team_id and team_members.get(ticket.team_id):
            users = team_members[ticket.team_id]
        else:
            if managers is None:
                managers = _managers(tenant)
            users = managers
        for user in users:
            with translation.override(user.language or tenant.language or "ja"):
                notify(
                    tenant=tenant,
                    user=user,
                    kind=f"sla_{alert.kind}",
                    title=alert_title(alert, ticket),
                    url=_ticket_url(ticket),
                    dedupe_key=f"sla:{ticket.pk}:{alert.target}:{alert.kind}",
                )


def _managers(tenant: Tenant) -> list[Any]:
    """Who hears about an unassigned ticket without a team: managers, else admins/owners."""
    memberships = list(
        Membership.objects.filter(
            tenant=tenant, role__in=[Role.MANAGER, Role.ADMIN, Role.OWNER]
        ).select_related("user")
    )
    managers = [m.user for m in memberships if m.role == Role.MANAGER]
    return managers or [m.user for m in memberships]


def alert_title(alert: Alert, ticket: Ticket) -> str:
    values = {"number": ticket.number, "subject": ticket.subject[:80]}
    if alert.kind == "breach":
        if alert.target == SlaTarget.FIRST_RESPONSE:
            return _("First response overdue: #%(number)s %(subject)s") % values
        return _("Resolution overdue: #%(number)s %(subject)s") % values
    if alert.target == SlaTarget.FIRST_RESPONSE:
        return _("First response due soon: #%(number)s %(subject)s") % values
    return _("Resolution due soon: #%(number)s %(subject)s") % values


def _ticket_url(ticket: Ticket) -> str:
    for name, kwargs in (
        ("support:ticket_detail", {"ticket_id": ticket.pk}),
        ("support:ticket_detail", {"number": ticket.number}),
        ("support:queue", {}),
    ):
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return ""


@transaction.atomic
def holidays_import_jp(*, tenant: Tenant, calendar: BusinessCalendar, year: int) -> int:
    """Adds a year's Japanese public holidays to the calendar's own list (dates already
    listed are skipped). Returns how many were added."""
    import jpholiday

    if calendar.tenant_id != tenant.pk:
        raise ValueError("holidays_import_jp across tenants")
    taken = set(
        BusinessHoliday.objects.filter(
            tenant=tenant, calendar=calendar, start_date__year=year
        ).values_list("start_date", flat=True)
    )
    rows = [
        BusinessHoliday(
            tenant=tenant, calendar=calendar, name=str(name)[:100], start_date=day, end_date=day
        )
        for day, name in jpholiday.year_holidays(year)
        if day not in taken
    ]
    BusinessHoliday.objects.bulk_create(rows)
    _forget_calendars(tenant)  # bulk_create sends no signals
    return len(rows)
