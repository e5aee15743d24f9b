# support.insights: the analytics rollup (per-day counts and duration histograms of the
# tenant's closed days), its state, and the dirty slots written by statement-level triggers
# on the tickets, SLA records and CSAT requests (support/insights/rollup.py says why
# triggers: every write path, including queryset updates and the SET NULL of a deleted
# category or user, must mark the days it changes; statement triggers with transition tables
# do that set-based). RLS on the new tables comes from
# crm.core.db.install_row_level_security (post_migrate), as for every tenant table.

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models

# The 15-minute slot of a moment: UTC-aligned, so every slot lies inside one day of any
# time zone (all offsets in use are multiples of 15 minutes).
SLOT = "date_bin('15 minutes', {at}, TIMESTAMPTZ '2000-01-01 00:00+00')"

TRIGGER_SQL = f"""
CREATE OR REPLACE FUNCTION support_insights_ticket_dirty() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO support_insights_dirty_day (tenant_id, slot)
    SELECT DISTINCT n.tenant_id, {SLOT.format(at="x.at")}
    FROM new_rows n
    CROSS JOIN LATERAL (VALUES (n.created_at), (n.first_response_at), (n.resolved_at)) x(at)
    WHERE x.at IS NOT NULL;
  ELSIF TG_OP = 'DELETE' THEN
    -- the ticket's SLA records and CSAT requests are deleted with it (their triggers).
    INSERT INTO support_insights_dirty_day (tenant_id, slot)
    SELECT DISTINCT o.tenant_id, {SLOT.format(at="x.at")}
    FROM old_rows o
    CROSS JOIN LATERAL (VALUES (o.created_at), (o.first_response_at), (o.resolved_at)) x(at)
    WHERE x.at IS NOT NULL;
  ELSE
    -- Only changes the rollup reads: a lock, a message time or a status alone marks nothing.
    WITH changed AS (
      SELECT o.tenant_id AS old_tenant, n.tenant_id, n.id,
        o.created_at AS oc, o.first_response_at AS ofr, o.resolved_at AS ores,
        n.created_at AS nc, n.first_response_at AS nfr, n.resolved_at AS nres
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE (o.tenant_id, o.created_at, o.first_response_at, o.resolved_at, o.channel,
             o.category_id, o.team_id, o.assignee_id)
        IS DISTINCT FROM
            (n.tenant_id, n.created_at, n.first_response_at, n.resolved_at, n.channel,
             n.category_id, n.team_id, n.assignee_id)
    )
    INSERT INTO support_insights_dirty_day (tenant_id, slot)
    SELECT DISTINCT s.tenant_id, {SLOT.format(at="s.at")}
    FROM (
      SELECT c.old_tenant AS tenant_id, x.at FROM changed c
      CROSS JOIN LATERAL (VALUES (c.oc), (c.ofr), (c.ores)) x(at)
      UNION ALL
      SELECT c.tenant_id, x.at FROM changed c
      CROSS JOIN LATERAL (VALUES (c.nc), (c.nfr), (c.nres)) x(at)
      UNION ALL
      SELECT r.tenant_id, r.due_at FROM changed c
      JOIN support_slarecord r ON r.tenant_id = c.tenant_id AND r.ticket_id = c.id
      UNION ALL
      SELECT q.tenant_id, x.at FROM changed c
      JOIN support_csatrequest q ON q.tenant_id = c.tenant_id AND q.ticket_id = c.id
      CROSS JOIN LATERAL (VALUES (q.created_at), (q.rated_at)) x(at)
    ) s
    WHERE s.at IS NOT NULL;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION support_insights_slarecord_dirty() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO support_insights_dirty_day (tenant_id, slot)
    SELECT DISTINCT n.tenant_id, {SLOT.format(at="n.due_at")} FROM new_rows n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO support_insights_dirty_day (tenant_id, slot)
    SELECT DISTINCT o.tenant_id, {SLOT.format(at="o.due_at")} FROM old_rows o;
  ELSE
    INSERT INTO support_insights_dirty_day (tenant_id, slot)
    SELECT DISTINCT s.tenant_id, {SLOT.format(at="s.due_at")}
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES (o.tenant_id, o.due_at), (n.tenant_id, n.due_at))
      s(tenant_id, due_at)
    WHERE (o.tenant_id, o.ticket_id, o.target, o.outcome, o.due_at)
      IS DISTINCT FROM (n.tenant_id, n.ticket_id, n.target, n.outcome, n.due_at);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION support_insights_csat_dirty() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO support_insights_dirty_day (tenant_id, slot)
    SELECT DISTINCT n.tenant_id, {SLOT.format(at="x.at")}
    FROM new_rows n CROSS JOIN LATERAL (VALUES (n.created_at), (n.rated_at)) x(at)
    WHERE x.at IS NOT NULL;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO support_insights_dirty_day (tenant_id, slot)
    SELECT DISTINCT o.tenant_id, {SLOT.format(at="x.at")}
    FROM old_rows o CROSS JOIN LATERAL (VALUES (o.created_at), (o.rated_at)) x(at)
    WHERE x.at IS NOT NULL;
  ELSE
    INSERT INTO support_insights_dirty_day (tenant_id, slot)
    SELECT DISTINCT s.tenant_id, {SLOT.format(at="s.at")}
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES (o.tenant_id, o.created_at), (o.tenant_id, o.rated_at),
                               (n.tenant_id, n.created_at), (n.tenant_id, n.rated_at))
      s(tenant_id, at)
    WHERE s.at IS NOT NULL
      AND (o.tenant_id, o.ticket_id, o.created_at, o.rated_at, o.rating, o.agent_id,
           o.category_id)
        IS DISTINCT FROM (n.tenant_id, n.ticket_id, n.created_at, n.rated_at, n.rating,
                          n.agent_id, n.category_id);
  END IF;
  RETURN NULL;
END $$;
"""

TRIGGERS = {
    "support_ticket": "support_insights_ticket_dirty",
    "support_slarecord": "support_insights_slarecord_dirty",
    "support_csatrequest": "support_insights_csat_dirty",
}
REFERENCING = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}


def create_triggers_sql() -> str:
    parts = [TRIGGER_SQL]
    for table, function in TRIGGERS.items():
        for event, referencing in REFERENCING.items():
            name = f"{table}_insights_{event}"
            parts.append(
                f"DROP TRIGGER IF EXISTS {name} ON {table};"
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
                f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
            )
    return "\n".join(parts)


def drop_triggers_sql() -> str:
    parts = [
        f"DROP TRIGGER IF EXISTS {table}_insights_{event} ON {table};"
        for table in TRIGGERS
        for event in REFERENCING
    ]
    parts += [f"DROP FUNCTION IF EXISTS {function}();" for function in TRIGGERS.values()]
    return "\n".join(parts)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_dashboards"),
        ("support", "0009_insights"),
    ]

    operations = [
        migrations.CreateModel(
            name="InsightsDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("grain", models.SmallIntegerField(default=7)),
                ("channel", models.CharField(max_length=16, null=True)),
                ("category_id", models.BigIntegerField(null=True)),
                ("team_id", models.BigIntegerField(null=True)),
                ("assignee_id", models.BigIntegerField(null=True)),
                ("csat_agent_id", models.BigIntegerField(null=True)),
                ("csat_category_id", models.BigIntegerField(null=True)),
                ("received", models.IntegerField(default=0)),
                ("resolved", models.IntegerField(default=0)),
                ("fr_met", models.IntegerField(default=0)),
                ("fr_breached", models.IntegerField(default=0)),
                ("res_met", models.IntegerField(default=0)),
                ("res_breached", models.IntegerField(default=0)),
                ("csat_sent", models.IntegerField(default=0)),
                ("csat_rated", models.IntegerField(default=0)),
                ("csat_score_sum", models.IntegerField(default=0)),
                ("csat_1", models.IntegerField(default=0)),
                ("csat_2", models.IntegerField(default=0)),
                ("csat_3", models.IntegerField(default=0)),
                ("csat_4", models.IntegerField(default=0)),
                ("csat_5", models.IntegerField(default=0)),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.tenant",
                    ),
                ),
            ],
            options={
                "db_table": "support_insights_day",
                "indexes": [
                    models.Index(fields=["tenant", "grain", "day"], name="insights_day_grain")
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="InsightsDirtyDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.DateTimeField()),
                (
                    "tenant",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="core.tenant",
                    ),
                ),
            ],
            options={
                "db_table": "support_insights_dirty_day",
                "indexes": [models.Index(fields=["tenant", "slot"], name="insights_dirty_slot")],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="InsightsDuration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("target", models.SmallIntegerField()),
                ("grain", models.SmallIntegerField()),
                ("channel", models.CharField(max_length=16, null=True)),
                ("category_id", models.BigIntegerField(null=True)),
                ("team_id", models.BigIntegerField(null=True)),
                ("assignee_id", models.BigIntegerField(null=True)),
                ("bucket", models.IntegerField()),
                ("n", models.IntegerField()),
                ("min_seconds", models.FloatField()),
                ("max_seconds", models.FloatField()),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.tenant",
                    ),
                ),
            ],
            options={
                "db_table": "support_insights_duration",
                "indexes": [
                    models.Index(
                        fields=["tenant", "grain", "target", "day"], name="insights_duration_day"
                    )
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="InsightsRollupState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("zone", models.CharField(max_length=64)),
                ("rolled_until", models.DateField()),
                ("refreshed_at", models.DateTimeField()),
                ("refresh_seconds", models.FloatField(default=0)),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.tenant",
                    ),
                ),
            ],
            options={
                "db_table": "support_insights_rollup_state",
                "constraints": [
                    models.UniqueConstraint(fields=("tenant",), name="insights_rollup_state_one")
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunSQL(create_triggers_sql(), reverse_sql=drop_triggers_sql()),
    ]
