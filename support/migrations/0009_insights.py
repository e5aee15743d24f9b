# support.insights: covering indexes for a year of analytics over a million tickets
# (bench/support_insights.py). Plain SQL, not AddIndex: they live on the tickets and SLA
# parts' tables, whose model state stays theirs (makemigrations sees no change).
# Only btree range conditions on (tenant_id, <time>): usable under RLS (docs/architecture.md).

from django.db import migrations, models

ACTIVE = "('new', 'open', 'pending', 'on_hold')"

INDEXES = {
    # SLA attainment: the records due in the period, index-only (support.sla's table).
    "slarecord_insights_due": (
        "support_slarecord (tenant_id, due_at) INCLUDE (target, outcome, ticket_id)"
    ),
    # volume, SLA running, backlog (received): index-only over the period's tickets.
    "ticket_insights_created": (
        "support_ticket (tenant_id, created_at) INCLUDE (channel, category_id, team_id, "
        "first_response_at, first_response_due_at, resolved_at, resolution_due_at)"
    ),
    # resolution times, backlog (resolved), workload (resolved in the period).
    "ticket_insights_resolved": (
        "support_ticket (tenant_id, resolved_at) INCLUDE (created_at, channel, category_id, "
        "team_id, assignee_id) WHERE resolved_at IS NOT NULL"
    ),
    # first-response times, workload (median first response).
    "ticket_insights_first_response": (
        "support_ticket (tenant_id, first_response_at) INCLUDE (created_at, channel, "
        "category_id, team_id, assignee_id) WHERE first_response_at IS NOT NULL"
    ),
    # long-running (oldest open first), workload (open assigned now).
    "ticket_insights_open": (
        "support_ticket (tenant_id, created_at, id) INCLUDE (assignee_id, channel, "
        f"category_id, team_id) WHERE status IN {ACTIVE}"
    ),
}


class Migration(migrations.Migration):
    dependencies = [("support", "0008_csat")]

    operations = [
        *(
            migrations.RunSQL(
                sql=f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
                reverse_sql=f"DROP INDEX IF EXISTS {name}",
            )
            for name, definition in INDEXES.items()
        ),
        migrations.AddIndex(
            model_name="csatrequest",
            index=models.Index(fields=["tenant", "created_at"], name="csat_created"),
        ),
    ]
