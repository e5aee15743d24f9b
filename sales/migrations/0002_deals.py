# Pipelines, deals and the board: a covering index for the board's per-stage totals.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_foundation")]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["tenant", "pipeline", "stage"],
                include=("amount", "probability"),
                name="deal_board_totals",
            ),
        ),
    ]
