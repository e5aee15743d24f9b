"""The board's per-stage totals (StageTotals), kept by statement-level triggers on sales_deal.

Why triggers and not the services: the totals must be exact after *every* write of a deal,
and deals are also written by queryset updates, bulk INSERT … SELECT (seed_demo, benchmarks)
and deletes that no service sees. A statement-level trigger with transition tables runs once
per statement (100,000 seeded deals: one GROUP BY over the new rows), in the writer's
transaction, and needs nothing from future code. Each (pipeline, stage) delta is applied as
`INSERT … ON CONFLICT DO UPDATE SET x = x + delta` (never read-modify-write), in key order so
two transactions touching the same stages lock the rows in the same order (no deadlock);
a statement that changes no total (a rename) touches no row. Deletes only subtract from rows
that exist (a cascade may already have removed the stage's row).

Existing deals are counted set-based, tenant by tenant (RLS is FORCEd: the statements see a
tenant's rows only with app.tenant_id set), after the triggers exist; CREATE TRIGGER holds
off writes to sales_deal until this migration commits, so nothing slips between the two.
"""

from decimal import Decimal

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models

_DELTA = """
    SELECT tenant_id, pipeline_id, stage_id, {sign} AS n, {sign} * amount AS amount,
           CASE WHEN probability IS NULL THEN {sign} * amount ELSE 0 END AS plain,
           CASE WHEN probability IS NULL THEN 0 ELSE {sign} * amount * probability END
             AS overridden
    FROM {table} WHERE deleted_at IS NULL"""

_GROUPED = """
    SELECT tenant_id, pipeline_id, stage_id, sum(n) AS n, sum(amount) AS amount,
           sum(plain) AS plain, sum(overridden) AS overridden
    FROM ({rows}) d
    GROUP BY tenant_id, pipeline_id, stage_id
    HAVING sum(n) <> 0 OR sum(amount) <> 0 OR sum(plain) <> 0 OR sum(overridden) <> 0
    ORDER BY tenant_id, pipeline_id, stage_id"""

_UPSERT = """
      INSERT INTO sales_stagetotals AS t (tenant_id, pipeline_id, stage_id, deal_count,
        amount_total, amount_plain, amount_overridden)
      VALUES (r.tenant_id, r.pipeline_id, r.stage_id, r.n, r.amount, r.plain, r.overridden)
      ON CONFLICT (tenant_id, pipeline_id, stage_id) DO UPDATE SET
        deal_count = t.deal_count + EXCLUDED.deal_count,
        amount_total = t.amount_total + EXCLUDED.amount_total,
        amount_plain = t.amount_plain + EXCLUDED.amount_plain,
        amount_overridden = t.amount_overridden + EXCLUDED.amount_overridden;"""

_SUBTRACT = """
      UPDATE sales_stagetotals SET
        deal_count = deal_count + r.n,
        amount_total = amount_total + r.amount,
        amount_plain = amount_plain + r.plain,
        amount_overridden = amount_overridden + r.overridden
      WHERE tenant_id = r.tenant_id AND pipeline_id = r.pipeline_id AND stage_id = r.stage_id;"""

INSERTED = _GROUPED.format(rows=_DELTA.format(sign=1, table="new_deals"))
UPDATED = _GROUPED.format(
    rows=_DELTA.format(sign=1, table="new_deals")
    + "\n    UNION ALL"
    + _DELTA.format(sign=-1, table="old_deals")
)
DELETED = _GROUPED.format(rows=_DELTA.format(sign=-1, table="old_deals"))

CREATE_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION sales_deal_stage_totals() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    FOR r IN {INSERTED} LOOP {_UPSERT}
    END LOOP;
  ELSIF TG_OP = 'UPDATE' THEN
    FOR r IN {UPDATED} LOOP {_UPSERT}
    END LOOP;
  ELSE
    FOR r IN {DELETED} LOOP {_SUBTRACT}
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER sales_deal_stage_totals_insert AFTER INSERT ON sales_deal
  REFERENCING NEW TABLE AS new_deals
  FOR EACH STATEMENT EXECUTE FUNCTION sales_deal_stage_totals();
CREATE TRIGGER sales_deal_stage_totals_update AFTER UPDATE ON sales_deal
  REFERENCING OLD TABLE AS old_deals NEW TABLE AS new_deals
  FOR EACH STATEMENT EXECUTE FUNCTION sales_deal_stage_totals();
CREATE TRIGGER sales_deal_stage_totals_delete AFTER DELETE ON sales_deal
  REFERENCING OLD TABLE AS old_deals
  FOR EACH STATEMENT EXECUTE FUNCTION sales_deal_stage_totals();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS sales_deal_stage_totals_insert ON sales_deal;
DROP TRIGGER IF EXISTS sales_deal_stage_totals_update ON sales_deal;
DROP TRIGGER IF EXISTS sales_deal_stage_totals_delete ON sales_deal;
DROP FUNCTION IF EXISTS sales_deal_stage_totals();
"""

BACKFILL = """
DO $$
DECLARE t bigint;
BEGIN
  FOR t IN SELECT id FROM core_tenant LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
    INSERT INTO sales_stagetotals (tenant_id, pipeline_id, stage_id, deal_count,
      amount_total, amount_plain, amount_overridden)
    SELECT tenant_id, pipeline_id, stage_id, count(*), coalesce(sum(amount), 0),
      coalesce(sum(amount) FILTER (WHERE probability IS NULL), 0),
      coalesce(sum(amount * probability) FILTER (WHERE probability IS NOT NULL), 0)
    FROM sales_deal WHERE tenant_id = t AND deleted_at IS NULL
    GROUP BY tenant_id, pipeline_id, stage_id
    ON CONFLICT (tenant_id, pipeline_id, stage_id) DO UPDATE SET
      deal_count = EXCLUDED.deal_count, amount_total = EXCLUDED.amount_total,
      amount_plain = EXCLUDED.amount_plain, amount_overridden = EXCLUDED.amount_overridden;
  END LOOP;
  PERFORM set_config('app.tenant_id', '', true);
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("sales", "0006_forecast")]

    operations = [
        migrations.CreateModel(
            name="StageTotals",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("deal_count", models.BigIntegerField(default=0)),
                (
                    "amount_total",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=24),
                ),
                (
                    "amount_plain",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=24),
                ),
                (
                    "amount_overridden",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=26),
                ),
                (
                    "pipeline",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sales.pipeline",
                    ),
                ),
                (
                    "stage",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sales.stage",
                    ),
                ),
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
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "pipeline", "stage"), name="stagetotals_unique"
                    )
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunSQL(CREATE_TRIGGERS, reverse_sql=DROP_TRIGGERS),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
