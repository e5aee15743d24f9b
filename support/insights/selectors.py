"""Support analytics: every figure is one set-based SQL statement over the ticket columns
(no per-day or per-agent loop), so a year over a million tickets stays well under a second.

Which tickets each section counts (docs/support-csat-and-analytics.md says it for users):
- volume: tickets received (created) in the period, by day, channel and category;
- response times: first response over tickets whose first reply was in the period,
  resolution over tickets resolved in the period; wall-clock hours (created → first
  reply / resolution), median and p90 with percentile_cont (per channel: the filter);
- SLA attainment: support.sla's records of targets due in the period (met / breached, as
  support.sla.selectors.sla_attainment counts them; a breach met later stays a breach);
  targets due in the period still running inside their time are "running", not in the rate;
- backlog: open tickets at the end of each day = received before the day's end − resolved
  before the day's end (a reopened ticket counts as open again from its reopening, since
  reopening clears resolved_at);
- long-running: the oldest tickets open now (the period does not apply);
- workload: per assignee, open assigned now, resolved in the period, median first response
  of their tickets first answered in the period;
- CSAT: ratings given in the period, with the agent and category the ticket had when it
  was resolved.
Filters (channel, category with its subcategories, team) apply to every section.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import Tenant
from support.tickets.models import ACTIVE_STATUSES, Channel, SupportTeam, TicketCategory

from . import rollup
from .models import InsightsDay
from .rollup import live_join_sql, rollup_days_sql

SECTIONS = ("volume", "times", "sla", "backlog", "long_running", "workload", "csat")
DEFAULT_DAYS = 30
MAX_DAYS = 366
LONG_RUNNING_LIMIT = 20
LATEST_COMMENTS = 10
WORK_MEM = "64MB"


@dataclass
class InsightsFilters:
    start: dt.date
    end: dt.date  # inclusive
    channel: str = ""
    category_id: int | None = None
    team_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def params(self) -> dict[str, str]:
        out = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.channel:
            out["channel"] = self.channel
        if self.category_id:
            out["category"] = str(self.category_id)
        if self.team_id:
            out["team"] = str(self.team_id)
        return out


def tenant_zone(tenant: Tenant) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(tenant.time_zone or "Asia/Tokyo")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Asia/Tokyo")


def tenant_today(tenant: Tenant) -> dt.date:
    return timezone.localtime(timezone.now(), tenant_zone(tenant)).date()


def insights_filters(*, tenant: Tenant, params: Any) -> InsightsFilters:
    """The filters asked for; a bad value falls back to the default and says what to fix."""
    today = tenant_today(tenant)
    errors: dict[str, str] = {}

    def day(name: str, default: dt.date) -> dt.date:
        raw = (params.get(name) or "").strip()
        if not raw:
            return default
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            errors[name] = _("“%(value)s” is not a date; enter it as YYYY-MM-DD.") % {"value": raw}
            return default

    end = day("end", today)
    start = day("start", end - dt.timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        errors["start"] = _("The period starts after it ends; choose a start on or before the end.")
        start = end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if (end - start).days + 1 > MAX_DAYS:
        errors["start"] = _("The period is longer than a year; choose at most %(days)s days.") % {
            "days": MAX_DAYS
        }
        start = end - dt.timedelta(days=MAX_DAYS - 1)
    channel = (params.get("channel") or "").strip()
    if channel and channel not in Channel.values:
        errors["channel"] = _("Choose a channel from the list.")
        channel = ""

    def ref(name: str, model: Any) -> int | None:
        raw = (params.get(name) or "").strip()
        if not raw:
            return None
        if raw.isdigit() and model.objects.filter(tenant=tenant, pk=int(raw)).exists():
            return int(raw)
        errors[name] = (
            _("Choose a category from the list.")
            if name == "category"
            else _("Choose a team from the list.")
        )
        return None

    return InsightsFilters(
        start=start,
        end=end,
        channel=channel,
        category_id=ref("category", TicketCategory),
        team_id=ref("team", SupportTeam),
        errors=errors,
    )


class _Query:
    """The filter's SQL pieces: bounds in the tenant's zone and the ticket conditions."""

    def __init__(self, tenant: Tenant, filters: InsightsFilters) -> None:
        zone = tenant_zone(tenant)
        self.zone_name = str(zone)
        self.start_at = dt.datetime.combine(filters.start, dt.time.min, tzinfo=zone)
        self.end_at = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time.min, zone)
        self.params: dict[str, Any] = {
            "t": tenant.pk,
            "tz": self.zone_name,
            "start": self.start_at,
            "end": self.end_at,
            "start_day": filters.start,
            "end_day": filters.end,
            "now": timezone.now(),
            "active": list(ACTIVE_STATUSES),
        }
        where = ["t.tenant_id = %(t)s"]
        if filters.channel:
            where.append("t.channel = %(channel)s")
            self.params["channel"] = filters.channel
        if filters.category_id:
            where.append("t.category_id = ANY(%(categories)s)")
            self.params["categories"] = category_with_descendants(
                tenant=tenant, category_id=filters.category_id
            )
        if filters.team_id:
            where.append("t.team_id = %(team)s")
            self.params["team"] = filters.team_id
        self.where = " AND ".join(where)
        self.ticket_filtered = len(where) > 1
        # The same filters on the rollup's dimension columns (alias r).
        self.rollup_where = " AND ".join(w.replace("t.", "r.", 1) for w in where)
        self.filters = filters
        self.tenant = tenant
        self._plan: rollup.Plan | None = None

    def plan(self) -> rollup.Plan:
        """Which days of the period come from the rollup (support.insights.rollup)."""
        if self._plan is None:
            self._plan = rollup.rollup_plan(
                tenant=self.tenant,
                start=self.filters.start,
                end=self.filters.end + dt.timedelta(days=1),
            )
            self.params.update(self._plan.params())
        return self._plan

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        # Medians sort a year of durations (a million at the large tenant): with the
        # default 4 MB of work_mem that sort spills to disk. SET LOCAL lasts only for this
        # statement's transaction.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            cursor.execute(sql.replace("{where}", self.where), self.params)
            return list(cursor.fetchall())


def category_with_descendants(*, tenant: Tenant, category_id: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE tree AS (
              SELECT id FROM support_ticketcategory WHERE tenant_id = %s AND id = %s
              UNION
              SELECT c.id FROM support_ticketcategory c JOIN tree ON c.parent_id = tree.id
              WHERE c.tenant_id = %s
            ) SELECT id FROM tree
            """,
            [tenant.pk, category_id, tenant.pk],
        )
        return [row[0] for row in cursor.fetchall()]


def _hours(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _category_names(tenant: Tenant, ids: list[int]) -> dict[int, str]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {c.pk: c.name for c in TicketCategory.objects.filter(tenant=tenant, pk__in=ids)}


def _user_names(ids: list[int]) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=ids)}


def _merge_sums(rows: list[tuple[Any, ...]], keys: int) -> list[tuple[Any, ...]]:
    """Rows of (key columns…, sums…) from the rollup and the live query → one row per
    key, the sums added."""
    out: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        key = tuple(row[:keys])
        sums = out.get(key)
        if sums is None:
            out[key] = [v or 0 for v in row[keys:]]
        else:
            for i, v in enumerate(row[keys:]):
                sums[i] += v or 0
    return [(*key, *sums) for key, sums in out.items()]


def _volume_groups(q: _Query) -> list[tuple[Any, ...]]:
    """(day, channel, category, count, grouping) of the period's tickets received."""
    if not q.plan().any_rolled:
        return q.rows(
            """
            SELECT (t.created_at AT TIME ZONE %(tz)s)::date, t.channel, t.category_id,
              count(*),
              GROUPING((t.created_at AT TIME ZONE %(tz)s)::date, t.channel, t.category_id)
            FROM support_ticket t
            WHERE {where} AND t.created_at >= %(start)s AND t.created_at < %(end)s
            GROUP BY GROUPING SETS (((t.created_at AT TIME ZONE %(tz)s)::date), (t.channel),
              (t.category_id))
            """
        )
    rolled = q.rows(
        f"""
        SELECT r.day, r.channel, r.category_id,
          GROUPING(r.day, r.channel, r.category_id), sum(r.received)
        FROM support_insights_day r
        WHERE {q.rollup_where} AND r.grain = {rollup.DAY_DIMS} AND {rollup_days_sql()}
          AND r.received > 0
        GROUP BY GROUPING SETS ((r.day), (r.channel), (r.category_id))
        """
    )
    live = q.rows(
        f"""
        SELECT (t.created_at AT TIME ZONE %(tz)s)::date, t.channel, t.category_id,
          GROUPING((t.created_at AT TIME ZONE %(tz)s)::date, t.channel, t.category_id),
          count(*)
        FROM support_ticket t {live_join_sql("t.created_at")}
        WHERE {{where}}
        GROUP BY GROUPING SETS (((t.created_at AT TIME ZONE %(tz)s)::date), (t.channel),
          (t.category_id))
        """
    )
    return [(d, c, k, n, g) for d, c, k, g, n in _merge_sums(rolled + live, 4)]


def _seconds_hours(value: float | None) -> float | None:
    return None if value is None else _hours(value / 3600.0)


def _duration_buckets(
    q: _Query, *, column: str, target: int, by_assignee: bool = False
) -> list[tuple[Any, ...]]:
    """Histogram rows ([assignee,] bucket, n, min s, max s) of created → `column` over the
    period: the rollup's rolled days (the grain that keeps just what the filters and the
    breakdown need) plus the live days bucketed the same way."""
    if q.ticket_filtered:
        grain = rollup.GRAIN_FULL if by_assignee else rollup.GRAIN_DIMS
    else:
        grain = rollup.GRAIN_ASSIGNEE if by_assignee else rollup.GRAIN_ALL
    key = "r.assignee_id, " if by_assignee else ""
    days = f"r.grain = {grain} AND {rollup_days_sql()}"
    if grain != rollup.GRAIN_FULL:
        # Whole months from their month rows, the other rolled days from day rows.
        days = (
            f"((r.grain = {grain + rollup.MONTH} AND r.day = ANY(%(months)s::date[])) "
            f"OR (r.grain = {grain} AND r.day = ANY(%(partial_days)s::date[])))"
        )
    rolled = q.rows(
        f"""
        SELECT {key}r.bucket, sum(r.n), min(r.min_seconds), max(r.max_seconds)
        FROM support_insights_duration r
        WHERE {q.rollup_where} AND r.target = {target} AND {days}
          {"AND r.assignee_id IS NOT NULL" if by_assignee else ""}
        GROUP BY {key}r.bucket
        """
    )
    seconds = f"date_part('epoch', t.{column} - t.created_at)"
    live_key = "t.assignee_id, " if by_assignee else ""
    live = q.rows(
        f"""
        SELECT {live_key}{rollup.BUCKET_SQL.format(s=seconds)}, count(*), min({seconds}),
          max({seconds})
        FROM support_ticket t {live_join_sql("t." + column)}
        WHERE {{where}} {"AND t.assignee_id IS NOT NULL" if by_assignee else ""}
        GROUP BY 1{", 2" if by_assignee else ""}
        """
    )
    return rolled + live


def _backlog_rolled(q: _Query) -> dict[str, Any]:
    """The backlog from the rollup's received / resolved per day (rolled days) and the
    tickets (the other days); open before the period = received − resolved before it
    (the same as the live count while no ticket is resolved before it was received)."""
    before = rollup.rollup_plan_before(tenant=q.tenant, day=q.filters.start)
    q.params.update(before.params("b_"))
    ((base_rolled,),) = q.rows(
        f"""
        SELECT coalesce(sum(r.received) - sum(r.resolved), 0) FROM support_insights_day r
        WHERE {q.rollup_where} AND r.grain = {rollup.DAY_DIMS} AND {rollup_days_sql(prefix="b_")}
        """
    )
    ((base_received,),) = q.rows(
        f"""SELECT count(*) FROM support_ticket t {live_join_sql("t.created_at", "b_")}
        WHERE {{where}}"""
    )
    ((base_resolved,),) = q.rows(
        f"""SELECT count(*) FROM support_ticket t {live_join_sql("t.resolved_at", "b_")}
        WHERE {{where}}"""
    )
    rows = q.rows(
        f"""
        SELECT r.day, sum(r.received), sum(r.resolved) FROM support_insights_day r
        WHERE {q.rollup_where} AND r.grain = {rollup.DAY_DIMS} AND {rollup_days_sql()}
        GROUP BY r.day
        UNION ALL
        SELECT (t.created_at AT TIME ZONE %(tz)s)::date, count(*), 0
        FROM support_ticket t {live_join_sql("t.created_at")} WHERE {{where}} GROUP BY 1
        UNION ALL
        SELECT (t.resolved_at AT TIME ZONE %(tz)s)::date, 0, count(*)
        FROM support_ticket t {live_join_sql("t.resolved_at")} WHERE {{where}} GROUP BY 1
        """
    )
    per_day = {r[0]: (int(r[1]), int(r[2])) for r in _merge_sums(rows, 1)}
    open_now = int(base_rolled) + int(base_received) - int(base_resolved)
    days = []
    for i in range((q.filters.end - q.filters.start).days + 1):
        day = q.filters.start + dt.timedelta(days=i)
        received, resolved = per_day.get(day, (0, 0))
        open_now += received - resolved
        days.append(
            {"day": day.isoformat(), "received": received, "resolved": resolved, "open": open_now}
        )
    return {"days": days}


def _csat_rolled(q: _Query) -> tuple[list[tuple[Any, ...]], tuple[int]]:
    """The CSAT figures as the live query gives them — (agent, category, count, average,
    1…5, grouping) rows and (sent,) — from the rollup's rolled days and the live days."""
    ticket_join = (
        "JOIN LATERAL (SELECT 1 FROM support_ticket t WHERE t.id = c.ticket_id AND {where} "
        "OFFSET 0) t ON true"
        if q.ticket_filtered
        else ""
    )
    day = InsightsDay
    agent, category = (
        (day.GRAIN_DIMS_CSAT_AGENT, day.GRAIN_DIMS_CSAT_CATEGORY)
        if q.ticket_filtered
        else (day.GRAIN_CSAT_AGENT, day.GRAIN_CSAT_CATEGORY)
    )
    rolled = q.rows(
        f"""
        SELECT CASE r.grain WHEN {agent} THEN r.csat_agent_id END,
          CASE r.grain WHEN {category} THEN r.csat_category_id END,
          CASE r.grain WHEN {agent} THEN 1 WHEN {category} THEN 2 ELSE 3 END,
          sum(r.csat_rated), sum(r.csat_score_sum), sum(r.csat_1), sum(r.csat_2),
          sum(r.csat_3), sum(r.csat_4), sum(r.csat_5)
        FROM support_insights_day r
        WHERE {q.rollup_where} AND {rollup_days_sql()} AND r.csat_rated > 0
          AND r.grain IN ({rollup.DAY_DIMS}, {agent}, {category})
        GROUP BY 1, 2, 3
        """
    )
    live = q.rows(
        f"""
        SELECT c.agent_id, c.category_id, GROUPING(c.agent_id, c.category_id), count(*),
          sum(c.rating), count(*) FILTER (WHERE c.rating = 1),
          count(*) FILTER (WHERE c.rating = 2), count(*) FILTER (WHERE c.rating = 3),
          count(*) FILTER (WHERE c.rating = 4), count(*) FILTER (WHERE c.rating = 5)
        FROM support_csatrequest c {live_join_sql("c.rated_at")} {ticket_join}
        WHERE c.tenant_id = %(t)s AND c.rating IS NOT NULL
        GROUP BY GROUPING SETS ((), (c.agent_id), (c.category_id))
        """
    )
    merged = _merge_sums(rolled + live, 3)
    if not any(r[2] == 3 for r in merged):
        merged.append((None, None, 3, 0, 0, 0, 0, 0, 0, 0))
    rows = [
        (agent, category, n, (total / n) if n else None, *scores, grouping)
        for agent, category, grouping, n, total, *scores in merged
        if n or grouping == 3
    ]
    ((sent_rolled,),) = q.rows(
        f"""
        SELECT coalesce(sum(r.csat_sent), 0) FROM support_insights_day r
        WHERE {q.rollup_where} AND r.grain = {rollup.DAY_DIMS} AND {rollup_days_sql()}
          AND r.csat_sent > 0
        """
    )
    ((sent_live,),) = q.rows(
        f"""
        SELECT count(*) FROM support_csatrequest c {live_join_sql("c.created_at")} {ticket_join}
        WHERE c.tenant_id = %(t)s
        """
    )
    return rows, (int(sent_rolled) + int(sent_live),)


# --- sections ---------------------------------------------------------------------------------


def volume(*, tenant: Tenant, filters: InsightsFilters) -> dict[str, Any]:
    """One scan of the period's tickets grouped three ways (day, channel, category)."""
    q = _Query(tenant, filters)
    groups = _volume_groups(q)
    per_day = {r[0]: int(r[3]) for r in groups if r[4] == 0b011}
    days = (filters.end - filters.start).days + 1
    dates = [filters.start + dt.timedelta(days=i) for i in range(days)]
    by_day = [{"day": d.isoformat(), "count": per_day.get(d, 0)} for d in dates]
    labels = dict(Channel.choices)
    channels = sorted(
        (
            {"channel": c, "label": str(labels.get(c, c)), "count": int(n)}
            for _, c, _k, n, g in groups
            if g == 0b101
        ),
        key=lambda r: (-r["count"], r["channel"]),
    )
    cat_counts = [(k, int(n)) for _, _c, k, n, g in groups if g == 0b110]
    names = _category_names(tenant, [k for k, _ in cat_counts])
    categories = sorted(
        (
            {"category_id": k, "name": names.get(k, "") if k else _("(no category)"), "count": n}
            for k, n in cat_counts
        ),
        key=lambda r: (-r["count"], r["name"]),
    )
    return {
        "total": sum(r["count"] for r in by_day),
        "by_day": by_day,
        "by_channel": channels,
        "by_category": categories,
    }


def times(*, tenant: Tenant, filters: InsightsFilters) -> dict[str, Any]:
    """Median and p90 in one sort per target (percentile_cont over an array of fractions):
    a year at the large tenant is a million durations per target, and the sort is the cost
    (a breakdown per channel would sort them again, so the channel filter does that)."""
    q = _Query(tenant, filters)
    out: dict[str, Any] = {"basis": "wall_clock_hours"}
    if q.plan().any_rolled:
        for key, column, target in (
            ("first_response", "first_response_at", rollup.FIRST_RESPONSE),
            ("resolution", "resolved_at", rollup.RESOLUTION),
        ):
            buckets = _duration_buckets(q, column=column, target=target)
            count, cuts = rollup.percentiles(buckets, (0.5, 0.9))
            out[key] = {
                "count": count,
                "median_hours": _seconds_hours(cuts[0]),
                "p90_hours": _seconds_hours(cuts[1]),
            }
        return out
    for key, column in (("first_response", "first_response_at"), ("resolution", "resolved_at")):
        ((count, cuts),) = q.rows(
            f"""
            SELECT count(*), percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY
              date_part('epoch', t.{column} - t.created_at) / 3600.0)
            FROM support_ticket t
            WHERE {{where}} AND t.{column} >= %(start)s AND t.{column} < %(end)s
            """
        )
        out[key] = {
            "count": int(count),
            "median_hours": _hours(cuts[0]) if cuts else None,
            "p90_hours": _hours(cuts[1]) if cuts else None,
        }
    return out


def sla(*, tenant: Tenant, filters: InsightsFilters) -> dict[str, Any]:
    """Attainment from support.sla's records (one per ticket and target, written when its
    outcome is known), counted as support.sla.selectors.sla_attainment counts them —
    targets due in the period, met / breached, a breach stays a breach if met later — with
    this page's channel, category and team filters, which that selector does not take.
    "running": targets due in the period not decided yet (still inside their time)."""
    q = _Query(tenant, filters)
    # Without a ticket filter the records are read alone (index-only on 0009's covering
    # index): no join to a million tickets.
    ticket_join = (
        "JOIN support_ticket t ON t.id = r.ticket_id AND {where}" if q.ticket_filtered else ""
    )
    source = f"support_slarecord r {ticket_join}"
    # The live days' few records look their ticket up one by one (the planner, misled by
    # the ranges' estimate, would hash all the filtered tickets instead).
    ticket_lookup = (
        "JOIN LATERAL (SELECT 1 FROM support_ticket t WHERE t.id = r.ticket_id AND {where} "
        "OFFSET 0) t ON true"
        if q.ticket_filtered
        else ""
    )
    if q.plan().any_rolled:
        # The rolled days from the rollup (its rows carry the ticket's dimensions), the
        # other days' records live.
        ((fr_met, fr_missed, res_met, res_missed),) = q.rows(
            f"""
            SELECT sum(r.fr_met), sum(r.fr_breached), sum(r.res_met), sum(r.res_breached)
            FROM support_insights_day r
            WHERE {q.rollup_where} AND r.grain = {rollup.DAY_DIMS} AND {rollup_days_sql()}
            """
        )
        rolled = [
            ("first_response", fr_met or 0, fr_missed or 0),
            ("resolution", res_met or 0, res_missed or 0),
        ]
        live = q.rows(
            f"""
            SELECT r.target,
              count(*) FILTER (WHERE r.outcome = 'met'),
              count(*) FILTER (WHERE r.outcome = 'breached')
            FROM (SELECT r.* FROM support_slarecord r {live_join_sql("r.due_at")}
                  WHERE r.tenant_id = %(t)s OFFSET 0) r {ticket_lookup}
            GROUP BY r.target
            """
        )
        rows = _merge_sums(rolled + live, 1)
    else:
        rows = q.rows(
            f"""
            SELECT r.target,
              count(*) FILTER (WHERE r.outcome = 'met'),
              count(*) FILTER (WHERE r.outcome = 'breached')
            FROM {source}
            WHERE r.tenant_id = %(t)s AND r.due_at >= %(start)s AND r.due_at < %(end)s
            GROUP BY r.target
            """
        )
    (running,) = q.rows(
        """
        SELECT
          count(*) FILTER (WHERE t.first_response_at IS NULL
                           AND t.first_response_due_at >= %(start)s
                           AND t.first_response_due_at < %(end)s
                           AND t.first_response_due_at >= %(now)s),
          count(*) FILTER (WHERE t.resolved_at IS NULL
                           AND t.resolution_due_at >= %(start)s
                           AND t.resolution_due_at < %(end)s
                           AND t.resolution_due_at >= %(now)s)
        FROM support_ticket t
        WHERE {where} AND t.status = ANY(%(active)s)
        """
    )
    found = {r[0]: (int(r[1]), int(r[2])) for r in rows}

    def part(target: str, still_running: int) -> dict[str, Any]:
        met, missed = found.get(target, (0, 0))
        decided = met + missed
        return {
            "met": met,
            "missed": missed,
            "running": int(still_running),
            "rate": round(100.0 * met / decided, 1) if decided else None,
        }

    return {
        "first_response": part("first_response", running[0]),
        "resolution": part("resolution", running[1]),
    }


def backlog(*, tenant: Tenant, filters: InsightsFilters) -> dict[str, Any]:
    """Open at the end of each day, from three grouped counts and a running sum."""
    q = _Query(tenant, filters)
    if q.plan().any_rolled:
        return _backlog_rolled(q)
    rows = q.rows(
        """
        WITH base AS (
          SELECT count(*) - count(*) FILTER (WHERE t.resolved_at < %(start)s) AS n
          FROM support_ticket t WHERE {where} AND t.created_at < %(start)s
        ), created AS (
          SELECT (t.created_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS n
          FROM support_ticket t
          WHERE {where} AND t.created_at >= %(start)s AND t.created_at < %(end)s GROUP BY 1
        ), resolved AS (
          SELECT (t.resolved_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS n
          FROM support_ticket t
          WHERE {where} AND t.resolved_at >= %(start)s AND t.resolved_at < %(end)s GROUP BY 1
        )
        SELECT d::date::text, coalesce(c.n, 0), coalesce(r.n, 0),
          (SELECT n FROM base) + sum(coalesce(c.n, 0) - coalesce(r.n, 0)) OVER (ORDER BY d)
        FROM generate_series(%(start_day)s::date, %(end_day)s::date, interval '1 day') d
        LEFT JOIN created c ON c.day = d::date
        LEFT JOIN resolved r ON r.day = d::date
        ORDER BY d
        """
    )
    return {
        "days": [
            {"day": r[0], "received": int(r[1]), "resolved": int(r[2]), "open": int(r[3])}
            for r in rows
        ]
    }


def long_running(*, tenant: Tenant, filters: InsightsFilters) -> dict[str, Any]:
    q = _Query(tenant, filters)
    rows = q.rows(
        f"""
        SELECT t.id, t.number, t.subject, t.status, t.created_at, t.assignee_id, t.category_id
        FROM support_ticket t
        WHERE {{where}} AND t.status = ANY(%(active)s)
        ORDER BY t.created_at, t.id LIMIT {LONG_RUNNING_LIMIT}
        """
    )
    users = _user_names([r[5] for r in rows])
    cats = _category_names(tenant, [r[6] for r in rows])
    now = q.params["now"]
    from support.tickets.models import Status

    statuses = dict(Status.choices)
    return {
        "tickets": [
            {
                "id": r[0],
                "number": r[1],
                "subject": r[2],
                "status": str(statuses.get(r[3], r[3])),
                "created_at": r[4].isoformat(),
                "age_days": (now - r[4]).days,
                "assignee": users.get(r[5], ""),
                "category": cats.get(r[6], ""),
            }
            for r in rows
        ]
    }


def workload(*, tenant: Tenant, filters: InsightsFilters) -> dict[str, Any]:
    """Three index-backed pieces (open now, resolved in the period, first answered in the
    period) gathered per assignee."""
    q = _Query(tenant, filters)
    rows = _workload_rolled(q) if q.plan().any_rolled else _workload_live(q)
    names = _user_names([r[0] for r in rows])
    agents = [
        {
            "user_id": r[0],
            "name": names.get(r[0], ""),
            "open": int(r[1]),
            "resolved": int(r[2]),
            "median_first_response_hours": _hours(r[3]),
        }
        for r in rows
    ]
    agents.sort(key=lambda a: (-a["open"], -a["resolved"], a["name"]))
    return {"agents": agents}


def _workload_rolled(q: _Query) -> list[tuple[Any, ...]]:
    """(assignee, open now, resolved, median first response hours): open now is live (it
    is about now), the period's figures come from the rollup and the live days."""
    open_now = q.rows(
        """
        SELECT t.assignee_id, count(*) FROM support_ticket t
        WHERE {where} AND t.status = ANY(%(active)s) AND t.assignee_id IS NOT NULL
        GROUP BY 1
        """
    )
    resolved = q.rows(
        f"""
        SELECT r.assignee_id, sum(r.resolved) FROM support_insights_day r
        WHERE {q.rollup_where} AND {rollup_days_sql()} AND r.resolved > 0
          AND r.assignee_id IS NOT NULL AND r.grain = {
            InsightsDay.GRAIN_DIMS_ASSIGNEE if q.ticket_filtered else InsightsDay.GRAIN_ASSIGNEE
        }
        GROUP BY 1
        UNION ALL
        SELECT t.assignee_id, count(*) FROM support_ticket t {live_join_sql("t.resolved_at")}
        WHERE {{where}} AND t.assignee_id IS NOT NULL
        GROUP BY 1
        """
    )
    buckets: dict[int, list[tuple[Any, ...]]] = {}
    for row in _duration_buckets(
        q, column="first_response_at", target=rollup.FIRST_RESPONSE, by_assignee=True
    ):
        buckets.setdefault(row[0], []).append(row[1:])
    open_by = {a: int(n) for a, n in open_now}
    resolved_by = {a: int(n) for a, n in _merge_sums(resolved, 1)}
    medians = {a: rollup.percentiles(rows, (0.5,))[1][0] for a, rows in buckets.items()}
    out = []
    for assignee in set(open_by) | set(resolved_by) | set(medians):
        median = medians.get(assignee)
        out.append(
            (
                assignee,
                open_by.get(assignee, 0),
                resolved_by.get(assignee, 0),
                None if median is None else median / 3600.0,
            )
        )
    return out


def _workload_live(q: _Query) -> list[tuple[Any, ...]]:
    return q.rows(
        """
        WITH open_now AS (
          SELECT t.assignee_id, count(*) AS n FROM support_ticket t
          WHERE {where} AND t.status = ANY(%(active)s) AND t.assignee_id IS NOT NULL
          GROUP BY 1
        ), resolved AS (
          SELECT t.assignee_id, count(*) AS n FROM support_ticket t
          WHERE {where} AND t.resolved_at >= %(start)s AND t.resolved_at < %(end)s
            AND t.assignee_id IS NOT NULL
          GROUP BY 1
        ), answered AS (
          SELECT t.assignee_id, percentile_cont(0.5) WITHIN GROUP
            (ORDER BY date_part('epoch', t.first_response_at - t.created_at) / 3600.0) AS h
          FROM support_ticket t
          WHERE {where} AND t.first_response_at >= %(start)s AND t.first_response_at < %(end)s
            AND t.assignee_id IS NOT NULL
          GROUP BY 1
        )
        SELECT coalesce(o.assignee_id, r.assignee_id, a.assignee_id),
          coalesce(o.n, 0), coalesce(r.n, 0), a.h
        FROM open_now o
        FULL JOIN resolved r ON r.assignee_id = o.assignee_id
        FULL JOIN answered a ON a.assignee_id = coalesce(o.assignee_id, r.assignee_id)
        """
    )


def csat(*, tenant: Tenant, filters: InsightsFilters) -> dict[str, Any]:
    q = _Query(tenant, filters)
    # Without a ticket filter the ratings are read alone (agent and category are on the
    # request): no join to a million tickets.
    source = (
        "support_csatrequest c JOIN support_ticket t ON t.id = c.ticket_id AND {where}"
        if q.ticket_filtered
        else "support_csatrequest c"
    )
    if q.plan().any_rolled:
        rows, sent = _csat_rolled(q)
    else:
        rows = q.rows(
            f"""
            SELECT c.agent_id, c.category_id, count(*), avg(c.rating),
              count(*) FILTER (WHERE c.rating = 1), count(*) FILTER (WHERE c.rating = 2),
              count(*) FILTER (WHERE c.rating = 3), count(*) FILTER (WHERE c.rating = 4),
              count(*) FILTER (WHERE c.rating = 5), GROUPING(c.agent_id, c.category_id)
            FROM {source}
            WHERE c.tenant_id = %(t)s AND c.rated_at >= %(start)s AND c.rated_at < %(end)s
            GROUP BY GROUPING SETS ((), (c.agent_id), (c.category_id))
            """
        )
        (sent,) = q.rows(
            f"""
            SELECT count(*) FROM {source}
            WHERE c.tenant_id = %(t)s AND c.created_at >= %(start)s AND c.created_at < %(end)s
            """
        )
    comments = q.rows(
        f"""
        SELECT c.rating, c.comment, c.rated_at, t.id, t.number, t.subject, c.agent_id
        FROM support_csatrequest c JOIN support_ticket t ON t.id = c.ticket_id
        WHERE c.tenant_id = %(t)s AND {{where}}
          AND c.rated_at >= %(start)s AND c.rated_at < %(end)s AND c.comment <> ''
        ORDER BY c.rated_at DESC, c.id DESC LIMIT {LATEST_COMMENTS}
        """
    )
    total = next((r for r in rows if r[9] == 3), None)
    agent_rows = [r for r in rows if r[9] == 1]
    category_rows = [r for r in rows if r[9] == 2]
    users = _user_names([r[0] for r in agent_rows] + [r[6] for r in comments])
    cats = _category_names(tenant, [r[1] for r in category_rows])
    count = int(total[2]) if total else 0

    def avg(value: Any) -> float | None:
        return None if value is None else round(float(value), 2)

    return {
        "sent": int(sent[0]),
        "rated": count,
        "response_rate": round(100.0 * count / int(sent[0]), 1) if sent[0] else None,
        "average": avg(total[3]) if total and count else None,
        "distribution": [int(v) for v in total[4:9]] if total else [0, 0, 0, 0, 0],
        "by_agent": sorted(
            (
                {
                    "user_id": r[0],
                    "name": users.get(r[0], "") if r[0] else _("(unassigned)"),
                    "count": int(r[2]),
                    "average": avg(r[3]),
                }
                for r in agent_rows
            ),
            key=lambda a: (-a["count"], a["name"]),
        ),
        "by_category": sorted(
            (
                {
                    "category_id": r[1],
                    "name": cats.get(r[1], "") if r[1] else _("(no category)"),
                    "count": int(r[2]),
                    "average": avg(r[3]),
                }
                for r in category_rows
            ),
            key=lambda a: (-a["count"], a["name"]),
        ),
        "comments": [
            {
                "rating": r[0],
                "comment": r[1],
                "rated_at": r[2].isoformat(),
                "ticket_id": r[3],
                "number": r[4],
                "subject": r[5],
                "agent": users.get(r[6], ""),
            }
            for r in comments
        ],
    }


SECTION_FUNCTIONS = {
    "volume": volume,
    "times": times,
    "sla": sla,
    "backlog": backlog,
    "long_running": long_running,
    "workload": workload,
    "csat": csat,
}


def insights_section(*, tenant: Tenant, filters: InsightsFilters, section: str) -> dict[str, Any]:
    if section not in SECTION_FUNCTIONS:
        raise KeyError(section)
    return SECTION_FUNCTIONS[section](tenant=tenant, filters=filters)
