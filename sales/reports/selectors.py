"""Reads for daily reports. Who sees which report lives in ONE place, `visible_reports`:
pages, the API, search, the export and the widget all start from it.

Rule: owners and admins see every report of the tenant; a manager sees their own and their
direct reports' (Membership.manager); everyone else sees only their own. A report outside
that answers 404, like another tenant's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from contacts.selectors import team_user_ids
from crm.core.models import Membership, Tenant
from crm.core.roles import ADMINS, Role

from . import services
from .models import DailyReport, DailyReportComment, DailyReportRead, ReportStatus

PAGE = 30


def sees_all(membership: Membership | None) -> bool:
    return membership is not None and membership.role in ADMINS


def is_team_reader(membership: Membership | None) -> bool:
    """Managers and admins read other people's reports (team views, comments)."""
    return membership is not None and (membership.role in ADMINS or membership.role == Role.MANAGER)


def visible_author_ids(membership: Membership | None) -> list[int] | None:
    """None = every author; else the user ids whose reports the member may read."""
    if membership is None:
        return []
    if sees_all(membership):
        return None
    if membership.role == Role.MANAGER and membership.pk is not None:
        return team_user_ids(membership)
    return [membership.user_id] if membership.user_id else []


def visible_reports(tenant: Tenant, membership: Membership | None) -> QuerySet[DailyReport]:
    qs = DailyReport.objects.filter(tenant=tenant)
    ids = visible_author_ids(membership)
    return qs if ids is None else qs.filter(author_id__in=ids)


def with_marks(qs: QuerySet[DailyReport], tenant: Tenant, user_id: int | None) -> QuerySet:
    """Adds `read_by_me` and `comment_count` as correlated subqueries: no extra round trips,
    and no GROUP BY, so a first page still reads the date index and stops at its LIMIT (an
    aggregate over a join made every page count all the tenant's comments first)."""
    read = DailyReportRead.objects.filter(tenant=tenant, report=OuterRef("pk"), reader_id=user_id)
    comments = (
        DailyReportComment.objects.filter(tenant=tenant, report=OuterRef("pk"))
        .order_by()
        .values("report")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(
        read_by_me=Exists(read),
        comment_count=Coalesce(Subquery(comments, output_field=IntegerField()), Value(0)),
    )


def access_report(*, tenant: Tenant, report_id: int, membership: Membership | None) -> DailyReport:
    return get_object_or_404(
        visible_reports(tenant, membership).select_related("author"), pk=report_id
    )


def report_comments(*, tenant: Tenant, report: DailyReport) -> list[DailyReportComment]:
    return list(
        DailyReportComment.objects.filter(tenant=tenant, report=report)
        .select_related("author")
        .order_by("id")
    )


def report_readers(*, tenant: Tenant, report: DailyReport) -> list[DailyReportRead]:
    return list(
        DailyReportRead.objects.filter(tenant=tenant, report=report)
        .select_related("reader")
        .order_by("read_at")
    )


def my_report(*, tenant: Tenant, user: Any, day: dt.date) -> DailyReport | None:
    return DailyReport.objects.filter(tenant=tenant, author_id=user.pk, date=day).first()


def my_reports(*, tenant: Tenant, user: Any) -> QuerySet[DailyReport]:
    return with_marks(
        DailyReport.objects.filter(tenant=tenant, author_id=user.pk), tenant, user.pk
    ).order_by("-date", "-id")


# --- the team -------------------------------------------------------------------------------
def team_members(*, tenant: Tenant, membership: Membership) -> list[Membership]:
    """Whose reports the team views list: a manager's direct reports; for admins every
    active member whose role writes reports (the tenant's settings) or who reports to
    someone. One query."""
    qs = Membership.objects.filter(tenant=tenant, is_active=True).select_related("user")
    if sees_all(membership):
        roles = services.report_settings(tenant=tenant).required_roles
        qs = qs.filter(Q(role__in=roles) | Q(manager__isnull=False))
    elif membership.role == Role.MANAGER:
        qs = qs.filter(manager_id=membership.pk)
    else:
        qs = qs.none()
    return sorted(qs, key=lambda m: (str(m.user).lower(), m.user_id))


@dataclass
class DayRow:
    member: Membership
    report: DailyReport | None

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.is_submitted


def team_day(*, tenant: Tenant, membership: Membership, day: dt.date) -> list[DayRow]:
    """Each team member and their report of `day` (or None). Two queries."""
    members = team_members(tenant=tenant, membership=membership)
    ids = [m.user_id for m in members]
    reports = {
        r.author_id: r
        for r in with_marks(
            DailyReport.objects.filter(tenant=tenant, date=day, author_id__in=ids),
            tenant,
            membership.user_id,
        )
    }
    return [DayRow(member=m, report=reports.get(m.user_id)) for m in members]


@dataclass
class WeekRow:
    member: Membership
    cells: list[DailyReport | None]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def team_week(
    *, tenant: Tenant, membership: Membership, start: dt.date
) -> tuple[list[dt.date], list[WeekRow]]:
    """A grid of team members × the 7 days from `start` (a Monday). Two queries."""
    days = [start + dt.timedelta(days=i) for i in range(7)]
    members = team_members(tenant=tenant, membership=membership)
    ids = [m.user_id for m in members]
    found: dict[tuple[int, dt.date], DailyReport] = {
        (r.author_id, r.date): r
        for r in with_marks(
            DailyReport.objects.filter(
                tenant=tenant, author_id__in=ids, date__gte=days[0], date__lte=days[-1]
            ),
            tenant,
            membership.user_id,
        )
    }
    rows = [WeekRow(member=m, cells=[found.get((m.user_id, d)) for d in days]) for m in members]
    return days, rows


# --- search ---------------------------------------------------------------------------------
@dataclass
class ReportFilters:
    q: str = ""
    author: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: str = ""
    unread: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)

    def apply(self, qs: QuerySet[DailyReport], user_id: int | None) -> QuerySet[DailyReport]:
        if self.q:
            for word in self.q.split():
                qs = qs.filter(
                    Q(did__icontains=word)
                    | Q(results__icontains=word)
                    | Q(issues__icontains=word)
                    | Q(plan_tomorrow__icontains=word)
                )
        if self.author is not None:
            qs = qs.filter(author_id=self.author)
        if self.date_from is not None:
            qs = qs.filter(date__gte=self.date_from)
        if self.date_to is not None:
            qs = qs.filter(date__lte=self.date_to)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.unread:
            qs = qs.filter(status=ReportStatus.SUBMITTED).exclude(author_id=user_id)
            qs = qs.exclude(
                Exists(DailyReportRead.objects.filter(report=OuterRef("pk"), reader_id=user_id))
            )
        return qs

    def params(self) -> list[tuple[str, str]]:
        pairs = [
            ("q", self.q),
            ("author", str(self.author or "")),
            ("date_from", self.date_from.isoformat() if self.date_from else ""),
            ("date_to", self.date_to.isoformat() if self.date_to else ""),
            ("status", self.status),
            ("unread", "1" if self.unread else ""),
        ]
        return [(k, v) for k, v in pairs if v]


def report_filters(*, params: Mapping[str, Any]) -> ReportFilters:
    filters = ReportFilters(q=" ".join(str(params.get("q", "") or "").split())[:200])
    author = str(params.get("author", "") or "").strip()
    if author:
        if author.isdigit():
            filters.author = int(author)
        else:
            filters.errors["author"] = [_("Choose the author from the list.")]
    for name in ("date_from", "date_to"):
        value = str(params.get(name, "") or "").strip()
        if value:
            try:
                setattr(filters, name, services.parse_day(value, name))
            except Exception:  # noqa: BLE001 - a ValidationError with the message below
                filters.errors[name] = [_("Enter the date like 2026-03-31.")]
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        filters.errors["date_to"] = [_("The end date is before the start date; swap them.")]
    status = str(params.get("status", "") or "").strip()
    if status:
        if status in ReportStatus.values:
            filters.status = status
        else:
            filters.errors["status"] = [_("Choose draft or submitted.")]
    filters.unread = str(params.get("unread", "")) in ("1", "true", "on")
    return filters


def report_search(
    *, tenant: Tenant, membership: Membership | None, filters: ReportFilters | None = None
) -> QuerySet[DailyReport]:
    """Visible reports matching `filters`, newest day first (keyset on date, id)."""
    qs = visible_reports(tenant, membership)
    user_id = getattr(membership, "user_id", None)
    if filters is not None:
        qs = filters.apply(qs, user_id)
    return with_marks(qs.select_related("author"), tenant, user_id).order_by("-date", "-id")


def keyset_after(qs: QuerySet[DailyReport], cursor: str) -> QuerySet[DailyReport]:
    """Rows after the cursor "<date>_<id>" in (-date, -id) order; a bad cursor is ignored."""
    day_text, _sep, id_text = str(cursor or "").partition("_")
    try:
        day, pk = dt.date.fromisoformat(day_text), int(id_text)
    except ValueError:
        return qs
    return qs.filter(Q(date__lt=day) | Q(date=day, id__lt=pk))


def page_of(qs: QuerySet[DailyReport], cursor: str, size: int = PAGE) -> tuple[list, str]:
    rows = list(keyset_after(qs, cursor)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows and more else None
    return rows, (f"{last.date.isoformat()}_{last.pk}" if last is not None else "")


def authors_for(*, tenant: Tenant, membership: Membership) -> list[tuple[int, str]]:
    """The author choices of the search form (who the member may read)."""
    ids = visible_author_ids(membership)
    qs = Membership.objects.filter(tenant=tenant).select_related("user")
    if ids is not None:
        qs = qs.filter(user_id__in=ids)
    return sorted(((m.user_id, str(m.user)) for m in qs), key=lambda p: p[1].lower())


def recent_for_widget(
    *, tenant: Tenant, membership: Membership | None, limit: int = 8
) -> list[DailyReport]:
    """Newest submitted reports of others the member may read, for the dashboard."""
    user_id = getattr(membership, "user_id", None)
    qs = (
        visible_reports(tenant, membership)
        .filter(status=ReportStatus.SUBMITTED)
        .exclude(author_id=user_id)
        .select_related("author")
        .order_by("-date", "-id")
    )
    return list(with_marks(qs, tenant, user_id)[:limit])


def prefetch_comments(qs: QuerySet[DailyReport], tenant: Tenant) -> QuerySet[DailyReport]:
    comments = DailyReportComment.objects.filter(tenant=tenant).select_related("author")
    return qs.prefetch_related(Prefetch("comments", queryset=comments.order_by("id")))
