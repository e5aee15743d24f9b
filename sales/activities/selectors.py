"""Reads for activities. Record visibility is contacts' rule applied to the activity's owner
(a rep under "own team" sees their own and their team's); an activity a user attends is
theirs too. Every list here is one query, whatever the number of activities."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from contacts.selectors import team_user_ids, visibility_filter
from crm.core.models import Membership, Tenant
from crm.core.roles import Role

from .models import Activity, ActivityAttendee

RELATED = ("owner", "deal", "contact", "company")
PANEL_ROWS = 10


def _attending(user_id: int) -> Exists:
    return Exists(ActivityAttendee.objects.filter(activity_id=OuterRef("pk"), user_id=user_id))


def visible_activities(tenant: Tenant, membership: Membership | None) -> QuerySet[Activity]:
    qs = Activity.objects.filter(tenant=tenant)
    rule = visibility_filter(tenant, membership)
    if rule is None:
        return qs
    if membership is None or membership.user_id is None:
        return qs.filter(rule)
    return qs.filter(rule | Q(_attending(membership.user_id)))


def access_activity(*, tenant: Tenant, activity_id: int, membership: Membership | None) -> Activity:
    """Another tenant's activity or one hidden by visibility is not found (404)."""
    return get_object_or_404(
        visible_activities(tenant, membership).select_related(*RELATED), pk=activity_id
    )


def of_user(tenant: Tenant, user_ids: list[int]) -> QuerySet[Activity]:
    """Activities owned by, or attended by, any of these users."""
    attending = ActivityAttendee.objects.filter(activity_id=OuterRef("pk"), user_id__in=user_ids)
    return Activity.objects.filter(tenant=tenant).filter(
        Q(owner_id__in=user_ids) | Q(Exists(attending))
    )


def day_bounds(tenant: Tenant, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=tenant.zone)
    return start, start + dt.timedelta(days=1)


def today(tenant: Tenant) -> dt.date:
    return timezone.localtime(timezone.now(), tenant.zone).date()


def my_day(*, tenant: Tenant, user_id: int, day: dt.date) -> dict[str, list[Activity]]:
    """Open items overdue before `day` (oldest first, at most 50), then the day's items in
    time order (done ones too, so the rep sees what is behind them)."""
    start, end = day_bounds(tenant, day)
    rows = list(
        of_user(tenant, [user_id])
        .filter(Q(starts_at__gte=start, starts_at__lt=end) | Q(starts_at__lt=start, done_at=None))
        .select_related(*RELATED)
        .order_by("starts_at", "id")[:300]
    )
    overdue = [a for a in rows if a.starts_at < start][:50]
    todays = [a for a in rows if a.starts_at >= start]
    return {"overdue": overdue, "today": todays}


def in_range(
    *, tenant: Tenant, user_ids: list[int], start: dt.datetime, end: dt.datetime
) -> list[Activity]:
    return list(
        of_user(tenant, user_ids)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related(*RELATED)
        .order_by("starts_at", "id")[:2000]
    )


def calendar_owners(tenant: Tenant, membership: Membership) -> list[tuple[int, str]]:
    """Whose calendar the member may open: admins anyone's, a manager their team's, others
    their own."""
    qs = Membership.objects.filter(tenant=tenant, is_active=True).select_related("user")
    if membership.role in (Role.OWNER, Role.ADMIN):
        pass
    elif membership.role == Role.MANAGER:
        qs = qs.filter(user_id__in=team_user_ids(membership))
    else:
        qs = qs.filter(user_id=membership.user_id)
    return [(m.user_id, str(m.user)) for m in qs.order_by("user__email")]


def for_record(
    *,
    tenant: Tenant,
    membership: Membership | None,
    deal: Any = None,
    contact: Any = None,
    company: Any = None,
    limit: int = PANEL_ROWS,
) -> list[Activity]:
    """A deal's, contact's or company's activities: open ones first by time, then the most
    recent done ones (one query). For the record pages' Activities panel, which shows the
    owner of each: only the owner is joined (with the deal, contact and company as well,
    Django's compiling of the five-table select and PostgreSQL's planning of it were ~7 ms
    of the contact page's ~50, docs/benchmarks.md)."""
    qs = visible_activities(tenant, membership)
    if deal is not None:
        qs = qs.filter(deal=deal)
    if contact is not None:
        qs = qs.filter(contact=contact)
    if company is not None:
        qs = qs.filter(Q(company=company) | Q(contact__company=company))
    ordered = qs.select_related("owner").order_by(
        F("done_at").desc(nulls_first=True), "starts_at", "id"
    )
    return list(ordered[:limit])


def upcoming(
    *, tenant: Tenant, user_id: int, kinds: list[str], start: dt.datetime, end: dt.datetime
) -> list[Activity]:
    return list(
        of_user(tenant, [user_id])
        .filter(kind__in=kinds, starts_at__gte=start, starts_at__lt=end, done_at=None)
        .select_related(*RELATED)
        .order_by("starts_at", "id")[:10]
    )
