"""The analytics rollup: per-day figures of the tenant's closed days (support.insights.models),
so a year of analytics over a million tickets reads the rollup instead of the tickets.

What is stored (per tenant day in the tenant's zone, and the ticket's channel, category,
team and assignee as they are now):
- InsightsDay: received, resolved, SLA records due (met / breached per target), CSAT sent,
  ratings given (count, sum, per score), at seven grains (the three filter dimensions; with
  the assignee, the request's agent or its category; those alone);
- InsightsDuration: histograms of created → first reply and created → resolution, per
  day of the reply / resolution, in buckets of one minute below an hour and of 1 % above
  (BUCKET_SQL), each with its count, min and max, at four grains (all dimensions kept;
  channel, category and team; the assignee only; none), the last three also per month (a
  year of them is read from twelve months' rows and the days of the months only partly in
  the period).

How it stays correct:
- `rollup_refresh` rewrites days set-based (DELETE + INSERT … SELECT … GROUP BY of a day
  set): the days since the last refresh up to yesterday, and the dirty days. Beat runs it
  for every tenant (tasks.refresh_all_tenants); `support_insights_rollup` on demand;
  seed_bulk_tickets at its end.
- Every write that changes a figure of a day marks that day dirty, in the same
  transaction: statement-level triggers (migration 0010) on tickets, SLA records and CSAT
  requests insert the 15-minute slots of the old and new times into InsightsDirtyDay.
  Triggers rather than the ticket hooks because queryset updates, merges, imports and the
  SET NULL of a deleted category, team or user change tickets without any hook.
- Readers (`rollup_plan`) take from the rollup only the days that are rolled up and not
  dirty; today, later days, dirty days and days before a first refresh are read live from
  the tickets and merged. So answers are never stale: a late resolution, a category change
  or a CSAT rating on a past day shows at once (that day is read live until the next
  refresh rolls it up again). A tenant whose time zone changed reads everything live
  until the rollup is rebuilt in the new zone.

Precision: counts are exact. Medians and p90 come from the histograms: a bucket's values
are taken as spread evenly between its min and max, so a figure is exact when its
neighbouring values sit at most two to a bucket and otherwise within one bucket (1 minute
below an hour, 1 % of the value above) of percentile_cont over the raw durations.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from crm.core.models import Tenant

from .models import InsightsDay, InsightsDuration, InsightsRollupState

# Durations in seconds → bucket: one per minute below an hour, then 1 % wide.
BUCKET_RATIO = 1.01
BUCKET_SQL = (
    "(CASE WHEN {s} < 3600 THEN floor(greatest({s}, 0) / 60)::int "
    f"ELSE 60 + floor(ln({{s}} / 3600.0) / ln({BUCKET_RATIO}))::int END)"
)
EPOCH_DAY = dt.date(1970, 1, 1)
WORK_MEM = "64MB"

FIRST_RESPONSE = InsightsDuration.FIRST_RESPONSE
RESOLUTION = InsightsDuration.RESOLUTION
GRAIN_FULL = InsightsDuration.GRAIN_FULL
GRAIN_ASSIGNEE = InsightsDuration.GRAIN_ASSIGNEE
GRAIN_ALL = InsightsDuration.GRAIN_ALL
GRAIN_DIMS = InsightsDuration.GRAIN_DIMS
MONTHLY_GRAINS = f"({GRAIN_DIMS}, {GRAIN_ASSIGNEE}, {GRAIN_ALL})"
DAY_DIMS = InsightsDay.GRAIN_DIMS
MONTH = InsightsDuration.MONTH


def zone_of(tenant: Tenant) -> dt.tzinfo:
    from .selectors import tenant_zone

    return tenant_zone(tenant)


def day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def day_ranges(days: Iterable[dt.date], zone: dt.tzinfo) -> tuple[list[Any], list[Any]]:
    """Days → the moments [start, end) of their runs of consecutive days."""
    starts: list[Any] = []
    ends: list[Any] = []
    run: list[dt.date] = []
    for day in sorted(set(days)):
        if run and day == run[-1] + dt.timedelta(days=1):
            run.append(day)
            continue
        if run:
            starts.append(day_start(run[0], zone))
            ends.append(day_start(run[-1] + dt.timedelta(days=1), zone))
        run = [day]
    if run:
        starts.append(day_start(run[0], zone))
        ends.append(day_start(run[-1] + dt.timedelta(days=1), zone))
    return starts, ends


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    """start ≤ day < end."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


# --- reading -----------------------------------------------------------------------------


@dataclass
class Plan:
    """Which days of [start, end) come from the rollup and which are read live.

    Rolled: `rolled_start` ≤ day < `rolled_end`, not in `skip`. Live: moments in
    `live_starts[i]` ≤ t < `live_ends[i]` (runs of the other days)."""

    rolled_start: dt.date
    rolled_end: dt.date
    skip: list[dt.date] = field(default_factory=list)
    live_starts: list[Any] = field(default_factory=list)
    live_ends: list[Any] = field(default_factory=list)

    def months(self) -> list[dt.date]:
        """First days of the months whose every day is rolled (and not dirty)."""
        skip = set(self.skip)
        out: list[dt.date] = []
        month = self.rolled_start.replace(day=1)
        if month < self.rolled_start:
            month = (month + dt.timedelta(days=32)).replace(day=1)
        while True:
            following = (month + dt.timedelta(days=32)).replace(day=1)
            if following > self.rolled_end:
                return out
            if not any(d in skip for d in _days(month, following)):
                out.append(month)
            month = following

    def partial_days(self) -> list[dt.date]:
        """The rolled days outside those whole months (read from day rows)."""
        months = set(self.months())
        skip = set(self.skip)
        return [
            d
            for d in _days(self.rolled_start, self.rolled_end)
            if d not in skip and d.replace(day=1) not in months
        ]

    @property
    def any_rolled(self) -> bool:
        return self.rolled_end > self.rolled_start and (
            len(self.skip) < (self.rolled_end - self.rolled_start).days
        )

    def params(self, prefix: str = "") -> dict[str, Any]:
        return {
            f"{prefix}r_start": self.rolled_start,
            f"{prefix}r_end": self.rolled_end,
            f"{prefix}r_skip": self.skip,
            f"{prefix}l_starts": self.live_starts,
            f"{prefix}l_ends": self.live_ends,
            f"{prefix}months": self.months(),
            f"{prefix}partial_days": self.partial_days(),
        }


def rollup_days_sql(alias: str = "r", prefix: str = "") -> str:
    """The rollup rows a plan takes (its rolled days)."""
    return (
        f"{alias}.day >= %({prefix}r_start)s AND {alias}.day < %({prefix}r_end)s "
        f"AND {alias}.day <> ALL(%({prefix}r_skip)s::date[])"
    )


def live_join_sql(column: str, prefix: str = "") -> str:
    """JOIN of the live moments (runs of days; each row matches at most one run)."""
    return (
        f"JOIN unnest(%({prefix}l_starts)s::timestamptz[], %({prefix}l_ends)s::timestamptz[]) "
        f"AS {prefix}lr(a, b) ON {column} >= {prefix}lr.a AND {column} < {prefix}lr.b"
    )


def rollup_plan(*, tenant: Tenant, start: dt.date, end: dt.date) -> Plan:
    """The plan for the days start ≤ day < end (two small queries)."""
    zone = zone_of(tenant)
    state = InsightsRollupState.objects.filter(tenant=tenant).first()
    rolled_end = start
    if state is not None and state.zone == str(zone):
        rolled_end = max(start, min(end, state.rolled_until))
    skip: list[dt.date] = []
    if rolled_end > start:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT slot FROM support_insights_dirty_day "
                "WHERE tenant_id = %s AND slot >= %s AND slot < %s",
                [tenant.pk, day_start(start, zone), day_start(rolled_end, zone)],
            )
            skip = sorted({timezone.localtime(r[0], zone).date() for r in cursor.fetchall()})
    live = skip + _days(rolled_end, end) if rolled_end > start else _days(start, end)
    if rolled_end <= start and (end - start).days > 3660:  # before any data: one run
        live_starts, live_ends = [day_start(start, zone)], [day_start(end, zone)]
    else:
        live_starts, live_ends = day_ranges(live, zone)
    return Plan(
        rolled_start=start,
        rolled_end=rolled_end,
        skip=skip,
        live_starts=live_starts,
        live_ends=live_ends,
    )


def rollup_plan_before(*, tenant: Tenant, day: dt.date) -> Plan:
    """The plan for every day before `day` (the backlog's opening count)."""
    zone = zone_of(tenant)
    state = InsightsRollupState.objects.filter(tenant=tenant).first()
    if state is None or state.zone != str(zone) or state.rolled_until <= EPOCH_DAY:
        return Plan(
            rolled_start=EPOCH_DAY,
            rolled_end=EPOCH_DAY,
            live_starts=[day_start(EPOCH_DAY, zone)],
            live_ends=[day_start(day, zone)],
        )
    rolled_end = max(EPOCH_DAY, min(day, state.rolled_until))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT slot FROM support_insights_dirty_day "
            "WHERE tenant_id = %s AND slot < %s",
            [tenant.pk, day_start(rolled_end, zone)],
        )
        skip = sorted({timezone.localtime(r[0], zone).date() for r in cursor.fetchall()})
    live_starts, live_ends = day_ranges(skip + _days(rolled_end, day), zone)
    return Plan(
        rolled_start=EPOCH_DAY,
        rolled_end=rolled_end,
        skip=skip,
        live_starts=live_starts,
        live_ends=live_ends,
    )


def percentiles(
    buckets: Iterable[Sequence[Any]], fractions: Sequence[float]
) -> tuple[int, list[float | None]]:
    """(bucket, n, min, max) rows, several per bucket allowed → (count, percentile_cont of
    each fraction), values in the unit of min/max. A bucket's n values are taken as spread
    evenly between its min and max."""
    merged: dict[int, list[float]] = {}
    for bucket, n, low, high in buckets:
        if not n:
            continue
        item = merged.get(bucket)
        if item is None:
            merged[bucket] = [int(n), float(low), float(high)]
        else:
            item[0] += int(n)
            item[1] = min(item[1], float(low))
            item[2] = max(item[2], float(high))
    ordered = [merged[b] for b in sorted(merged)]
    total = sum(int(item[0]) for item in ordered)
    if not total:
        return 0, [None for _ in fractions]

    def value_at(k: int) -> float:
        seen = 0
        for n, low, high in ordered:
            n = int(n)
            if k < seen + n:
                if n == 1:
                    return low
                return low + (k - seen) * (high - low) / (n - 1)
            seen += n
        return ordered[-1][2]

    out: list[float | None] = []
    for p in fractions:
        rank = p * (total - 1)
        lo = math.floor(rank)
        frac = rank - lo
        v = value_at(lo)
        if frac > 0:
            v += frac * (value_at(lo + 1) - v)
        out.append(v)
    return total, out


# --- refreshing --------------------------------------------------------------------------

_DAY_INSERT = """
INSERT INTO support_insights_day (tenant_id, day, grain, channel, category_id, team_id,
  assignee_id, csat_agent_id, csat_category_id, received, resolved, fr_met, fr_breached,
  res_met, res_breached, csat_sent, csat_rated, csat_score_sum, csat_1, csat_2, csat_3, csat_4,
  csat_5)
SELECT %(t)s, f.day,
  GROUPING(f.channel, f.category_id, f.team_id, f.assignee_id, f.ca, f.cc),
  f.channel, f.category_id, f.team_id, f.assignee_id, f.ca, f.cc,
  sum(f.received), sum(f.resolved), sum(f.fr_met), sum(f.fr_breached), sum(f.res_met),
  sum(f.res_breached), sum(f.sent), sum(f.rated), sum(f.score), sum(f.s1), sum(f.s2),
  sum(f.s3), sum(f.s4), sum(f.s5)
FROM (
  SELECT (t.created_at AT TIME ZONE %(tz)s)::date AS day, t.channel, t.category_id,
    t.team_id, t.assignee_id, NULL::bigint AS ca, NULL::bigint AS cc, 1 AS received,
    0 AS resolved, 0 AS fr_met, 0 AS fr_breached, 0 AS res_met, 0 AS res_breached, 0 AS sent,
    0 AS rated, 0 AS score, 0 AS s1, 0 AS s2, 0 AS s3, 0 AS s4, 0 AS s5
  FROM support_ticket t {join_created} WHERE t.tenant_id = %(t)s
  UNION ALL
  SELECT (t.resolved_at AT TIME ZONE %(tz)s)::date, t.channel, t.category_id, t.team_id,
    t.assignee_id, NULL, NULL, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  FROM support_ticket t {join_resolved} WHERE t.tenant_id = %(t)s
  UNION ALL
  SELECT (r.due_at AT TIME ZONE %(tz)s)::date, t.channel, t.category_id, t.team_id,
    t.assignee_id, NULL, NULL, 0, 0,
    (r.target = 'first_response' AND r.outcome = 'met')::int,
    (r.target = 'first_response' AND r.outcome = 'breached')::int,
    (r.target = 'resolution' AND r.outcome = 'met')::int,
    (r.target = 'resolution' AND r.outcome = 'breached')::int, 0, 0, 0, 0, 0, 0, 0, 0
  FROM support_slarecord r {join_due}
  JOIN support_ticket t ON t.id = r.ticket_id AND t.tenant_id = %(t)s
  WHERE r.tenant_id = %(t)s
  UNION ALL
  SELECT (c.created_at AT TIME ZONE %(tz)s)::date, t.channel, t.category_id, t.team_id,
    t.assignee_id, NULL, NULL, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0
  FROM support_csatrequest c {join_sent}
  JOIN support_ticket t ON t.id = c.ticket_id AND t.tenant_id = %(t)s
  WHERE c.tenant_id = %(t)s
  UNION ALL
  SELECT (c.rated_at AT TIME ZONE %(tz)s)::date, t.channel, t.category_id, t.team_id,
    t.assignee_id, c.agent_id, c.category_id, 0, 0, 0, 0, 0, 0, 0, 1, c.rating,
    (c.rating = 1)::int, (c.rating = 2)::int, (c.rating = 3)::int, (c.rating = 4)::int,
    (c.rating = 5)::int
  FROM support_csatrequest c {join_rated}
  JOIN support_ticket t ON t.id = c.ticket_id AND t.tenant_id = %(t)s
  WHERE c.tenant_id = %(t)s AND c.rating IS NOT NULL
) f
GROUP BY GROUPING SETS (
  (f.day, f.channel, f.category_id, f.team_id),
  (f.day, f.channel, f.category_id, f.team_id, f.assignee_id),
  (f.day, f.assignee_id),
  (f.day, f.channel, f.category_id, f.team_id, f.ca),
  (f.day, f.ca),
  (f.day, f.channel, f.category_id, f.team_id, f.cc),
  (f.day, f.cc)
)
"""

_DURATION_INSERT = f"""
INSERT INTO support_insights_duration (tenant_id, day, target, grain, channel, category_id,
  team_id, assignee_id, bucket, n, min_seconds, max_seconds)
SELECT %(t)s, f.day, f.target,
  GROUPING(f.channel, f.category_id, f.team_id, f.assignee_id),
  f.channel, f.category_id, f.team_id, f.assignee_id, f.bucket, count(*), min(f.s), max(f.s)
FROM (
  SELECT x.day, x.target, x.channel, x.category_id, x.team_id, x.assignee_id, x.s,
    {BUCKET_SQL.format(s="x.s")} AS bucket
  FROM (
    SELECT (t.first_response_at AT TIME ZONE %(tz)s)::date AS day, {FIRST_RESPONSE} AS target,
      t.channel, t.category_id, t.team_id, t.assignee_id,
      date_part('epoch', t.first_response_at - t.created_at) AS s
    FROM support_ticket t {{join_first_response}} WHERE t.tenant_id = %(t)s
    UNION ALL
    SELECT (t.resolved_at AT TIME ZONE %(tz)s)::date, {RESOLUTION}, t.channel, t.category_id,
      t.team_id, t.assignee_id, date_part('epoch', t.resolved_at - t.created_at)
    FROM support_ticket t {{join_resolved}} WHERE t.tenant_id = %(t)s
  ) x
) f
GROUP BY GROUPING SETS (
  (f.day, f.target, f.bucket, f.channel, f.category_id, f.team_id, f.assignee_id),
  (f.day, f.target, f.bucket, f.channel, f.category_id, f.team_id),
  (f.day, f.target, f.bucket, f.assignee_id),
  (f.day, f.target, f.bucket)
)
"""


def _roll_days(
    *, tenant: Tenant, zone: dt.tzinfo, days: list[dt.date] | None, until: dt.date
) -> None:
    """Rewrites the rollup of `days` (None: every day before `until`, the tenant's rows
    deleted first)."""
    params: dict[str, Any] = {"t": tenant.pk, "tz": str(zone)}
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        if days is None:
            cursor.execute("DELETE FROM support_insights_day WHERE tenant_id = %s", [tenant.pk])
            cursor.execute(
                "DELETE FROM support_insights_duration WHERE tenant_id = %s", [tenant.pk]
            )
            # Every day before `until`: one run from the first moment.
            params["l_starts"] = [dt.datetime(1970, 1, 1, tzinfo=dt.UTC)]
            params["l_ends"] = [day_start(until, zone)]
        else:
            if not days:
                return
            params["days"] = days
            cursor.execute(
                "DELETE FROM support_insights_day WHERE tenant_id = %(t)s "
                "AND day = ANY(%(days)s::date[])",
                params,
            )
            cursor.execute(
                "DELETE FROM support_insights_duration WHERE tenant_id = %(t)s "
                "AND day = ANY(%(days)s::date[])",
                params,
            )
            params["l_starts"], params["l_ends"] = day_ranges(days, zone)
        joins = {
            "join_created": live_join_sql("t.created_at"),
            "join_resolved": live_join_sql("t.resolved_at"),
            "join_due": live_join_sql("r.due_at"),
            "join_sent": live_join_sql("c.created_at"),
            "join_rated": live_join_sql("c.rated_at"),
            "join_first_response": live_join_sql("t.first_response_at"),
        }
        cursor.execute(_DAY_INSERT.format(**joins), params)
        cursor.execute(
            _DURATION_INSERT.format(
                join_first_response=joins["join_first_response"],
                join_resolved=joins["join_resolved"],
            ),
            params,
        )
        # Month rows of the unfiltered grains: the sums of the months' day rows, for every
        # month a rewritten day lies in (all of them after a rebuild).
        if days is None:
            cursor.execute(
                "SELECT DISTINCT date_trunc('month', day)::date FROM support_insights_duration "
                "WHERE tenant_id = %s",
                [tenant.pk],
            )
            months = [r[0] for r in cursor.fetchall()]
        else:
            months = sorted({d.replace(day=1) for d in days})
        cursor.execute(
            f"""
            WITH months AS (
              SELECT DISTINCT date_trunc('month', d)::date AS m
              FROM unnest(%(months)s::date[]) d
            ), gone AS (
              DELETE FROM support_insights_duration d USING months
              WHERE d.tenant_id = %(t)s AND d.grain >= {MONTH} AND d.day = months.m
            )
            INSERT INTO support_insights_duration (tenant_id, day, target, grain, channel,
              category_id, team_id, assignee_id, bucket, n, min_seconds, max_seconds)
            SELECT %(t)s, months.m, d.target, d.grain + {MONTH}, d.channel, d.category_id,
              d.team_id, d.assignee_id, d.bucket, sum(d.n), min(d.min_seconds),
              max(d.max_seconds)
            FROM months JOIN support_insights_duration d ON d.tenant_id = %(t)s
              AND d.grain IN {MONTHLY_GRAINS}
              AND d.day >= months.m AND d.day < (months.m + interval '1 month')::date
            GROUP BY months.m, d.target, d.grain, d.channel, d.category_id, d.team_id,
              d.assignee_id, d.bucket
            """,
            {**params, "months": months},
        )


@dataclass
class RefreshResult:
    days: int
    full: bool
    seconds: float


def rollup_refresh(*, tenant: Tenant, full: bool = False) -> RefreshResult:
    """Rolls up the tenant's closed days that need it: every day before today the first
    time (or with `full`, or after a change of the tenant's time zone), then the days
    since the last refresh and the dirty ones. One transaction; idempotent; two refreshes
    of a tenant wait for each other (row lock on its state)."""
    started = time.perf_counter()
    zone = zone_of(tenant)
    today = timezone.localtime(timezone.now(), zone).date()
    with transaction.atomic():
        state = InsightsRollupState.objects.select_for_update().filter(tenant=tenant).first()
        if state is None:
            # Two first refreshes racing: the second waits here on the unique key.
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO support_insights_rollup_state "
                    "(tenant_id, zone, rolled_until, refreshed_at, refresh_seconds) "
                    "VALUES (%s, '', %s, now(), 0) ON CONFLICT (tenant_id) DO NOTHING",
                    [tenant.pk, EPOCH_DAY],
                )
            state = InsightsRollupState.objects.select_for_update().get(tenant=tenant)
        rebuild = full or state.zone != str(zone) or state.rolled_until <= EPOCH_DAY
        with connection.cursor() as cursor:
            # Dirty rows of the days rolled now go in the same transaction: a write that
            # commits after this DELETE's snapshot leaves its row for the next refresh.
            cursor.execute(
                "DELETE FROM support_insights_dirty_day WHERE tenant_id = %s AND slot < %s "
                "RETURNING slot",
                [tenant.pk, day_start(today, zone)],
            )
            dirty = {timezone.localtime(r[0], zone).date() for r in cursor.fetchall()}
        if rebuild:
            _roll_days(tenant=tenant, zone=zone, days=None, until=today)
            with connection.cursor() as cursor:
                # Fresh statistics for the planner after rewriting every row (ANALYZE runs
                # inside a transaction; VACUUM for index-only scans is autovacuum's).
                cursor.execute("ANALYZE support_insights_day")
                cursor.execute("ANALYZE support_insights_duration")
            count = -1
        else:
            days = sorted(dirty | set(_days(state.rolled_until, today)))
            _roll_days(tenant=tenant, zone=zone, days=days, until=today)
            count = len(days)
        state.zone = str(zone)
        state.rolled_until = today
        state.refreshed_at = timezone.now()
        state.refresh_seconds = round(time.perf_counter() - started, 3)
        state.save(update_fields=["zone", "rolled_until", "refreshed_at", "refresh_seconds"])
    if count < 0:
        count = _rolled_day_count(tenant=tenant)
    return RefreshResult(days=count, full=rebuild, seconds=time.perf_counter() - started)


def _rolled_day_count(*, tenant: Tenant) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT day) FROM support_insights_day WHERE tenant_id = %s",
            [tenant.pk],
        )
        return int(cursor.fetchone()[0])
