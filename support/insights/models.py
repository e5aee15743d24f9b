"""The analytics rollup (support.insights.rollup): per-day figures of the tenant's closed
days, so a year of analytics reads tens of thousands of rows instead of a million tickets.

Derived data only: every row can be rebuilt from the tickets, SLA records and CSAT
requests (`rollup_refresh`). The dimension columns are plain ids, not foreign keys: a
deleted category, team or user changes the tickets (SET NULL), which marks their days
dirty, and the next refresh rewrites those days."""

from __future__ import annotations

from django.db import models

from crm.core.models import Tenant, TenantOwned


class InsightsDay(TenantOwned):
    """Counts per tenant day (in the tenant's zone) and `grain`: which of the ticket's
    channel, category, team and assignee (as they are now) and the CSAT request's agent and
    category (copied at resolution) the row keeps — the GROUPING() bits of the columns it
    does not keep. Each reader takes the smallest grain with the columns it filters and
    groups on (a year of the unfiltered ones is a few thousand rows)."""

    # GROUPING(channel, category_id, team_id, assignee_id, csat_agent_id, csat_category_id)
    GRAIN_DIMS = 0b000111  # channel, category, team: volume, backlog, SLA, CSAT totals
    GRAIN_DIMS_ASSIGNEE = 0b000011  # + assignee: workload, filtered
    GRAIN_ASSIGNEE = 0b111011  # assignee alone: workload
    GRAIN_DIMS_CSAT_AGENT = 0b000101  # + the request's agent: CSAT by agent, filtered
    GRAIN_CSAT_AGENT = 0b111101
    GRAIN_DIMS_CSAT_CATEGORY = 0b000110  # + the request's category: CSAT by category
    GRAIN_CSAT_CATEGORY = 0b111110

    day = models.DateField()
    grain = models.SmallIntegerField(default=GRAIN_DIMS)
    channel = models.CharField(max_length=16, null=True)
    category_id = models.BigIntegerField(null=True)
    team_id = models.BigIntegerField(null=True)
    assignee_id = models.BigIntegerField(null=True)
    csat_agent_id = models.BigIntegerField(null=True)
    csat_category_id = models.BigIntegerField(null=True)
    received = models.IntegerField(default=0)  # created that day
    resolved = models.IntegerField(default=0)  # resolved_at that day
    fr_met = models.IntegerField(default=0)  # SLA records due that day, by target/outcome
    fr_breached = models.IntegerField(default=0)
    res_met = models.IntegerField(default=0)
    res_breached = models.IntegerField(default=0)
    csat_sent = models.IntegerField(default=0)  # requests created that day
    csat_rated = models.IntegerField(default=0)  # ratings given that day
    csat_score_sum = models.IntegerField(default=0)
    csat_1 = models.IntegerField(default=0)
    csat_2 = models.IntegerField(default=0)
    csat_3 = models.IntegerField(default=0)
    csat_4 = models.IntegerField(default=0)
    csat_5 = models.IntegerField(default=0)

    class Meta:
        db_table = "support_insights_day"
        indexes = [models.Index(fields=["tenant", "grain", "day"], name="insights_day_grain")]


class InsightsDuration(TenantOwned):
    """Histogram of durations (created → first reply, created → resolution) per tenant day
    of the reply / resolution, bucket and `grain`: which dimensions are kept — FULL
    (channel, category, team, assignee: filtered workload), DIMS (channel, category, team:
    filtered times), ASSIGNEE (workload) or ALL (none: the unfiltered times). A bucket's
    n values are taken as spread evenly between its min and max: exact for a bucket of one
    or two values."""

    GRAIN_FULL = 0
    GRAIN_DIMS = 1  # channel, category, team: filtered times
    GRAIN_ASSIGNEE = 14  # GROUPING(channel, category_id, team_id, assignee_id) bits
    GRAIN_ALL = 15
    # A month's row of a grain: grain + MONTH, `day` = the month's first day, the sums of
    # its day rows (not FULL: with four dimensions a month hardly compresses).
    MONTH = 100
    FIRST_RESPONSE = 1
    RESOLUTION = 2

    day = models.DateField()
    target = models.SmallIntegerField()
    grain = models.SmallIntegerField()
    channel = models.CharField(max_length=16, null=True)
    category_id = models.BigIntegerField(null=True)
    team_id = models.BigIntegerField(null=True)
    assignee_id = models.BigIntegerField(null=True)
    bucket = models.IntegerField()
    n = models.IntegerField()
    min_seconds = models.FloatField()
    max_seconds = models.FloatField()

    class Meta:
        db_table = "support_insights_duration"
        indexes = [
            models.Index(fields=["tenant", "grain", "target", "day"], name="insights_duration_day")
        ]


class InsightsRollupState(TenantOwned):
    """How far the tenant's rollup reaches: every day before `rolled_until` (in `zone`)
    is rolled up, except the days in InsightsDirtyDay. A zone other than the tenant's
    means the rollup is not used until it is rebuilt."""

    zone = models.CharField(max_length=64)
    rolled_until = models.DateField()
    refreshed_at = models.DateTimeField()
    refresh_seconds = models.FloatField(default=0)

    class Meta:
        db_table = "support_insights_rollup_state"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="insights_rollup_state_one")]


class InsightsDirtyDay(TenantOwned):
    """A 15-minute slot (UTC-aligned, so it falls in one day of any zone) whose figures
    changed after it may have been rolled up: written by the database triggers of
    migration 0010 on tickets, SLA records and CSAT requests (any write path: services,
    queryset updates, SET NULL of a deleted category or user). Append-only, no unique
    key, so a write never waits on another; the refresh deletes the rows it re-rolled.

    The tenant column has no foreign-key constraint: the triggers also fire while a
    tenant's tickets are deleted with the tenant, after the collector has gathered this
    table's rows."""

    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    slot = models.DateTimeField()

    class Meta:
        db_table = "support_insights_dirty_day"
        indexes = [models.Index(fields=["tenant", "slot"], name="insights_dirty_slot")]
