# support.tickets: the indexes behind the queue's views (support/tickets/selectors.py).

from django.db import migrations, models

ACTIVE = ["new", "open", "pending", "on_hold"]
DONE = ["resolved", "closed"]


class Migration(migrations.Migration):
    dependencies = [("support", "0001_tickets")]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["tenant", "-id"], name="ticket_tenant_id"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ACTIVE)),
                fields=["tenant", "-id"],
                name="ticket_active",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("assignee__isnull", True), ("status__in", ACTIVE)),
                fields=["tenant", "-id"],
                name="ticket_active_unassigned",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ACTIVE)),
                fields=["tenant", "assignee", "-id"],
                name="ticket_active_assignee",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ACTIVE)),
                fields=["tenant", "team", "-id"],
                name="ticket_active_team",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", DONE)),
                fields=["tenant", "-id"],
                name="ticket_done",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["tenant", "category", "-id"], name="ticket_category"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("requester_email", ""), _negated=True),
                fields=["tenant", "requester_email", "-id"],
                name="ticket_requester_email",
            ),
        ),
    ]
