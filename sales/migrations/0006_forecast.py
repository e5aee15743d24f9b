# Sales targets per person and month, and the two covering partial indexes the forecast reads.
from decimal import Decimal

import django.core.validators
import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

# The forecast's open-deal aggregate: tenant, close-month range, then owner, with everything it
# sums in the index (index-only scan). Open = not deleted and not closed: the deal services set
# closed_at exactly when a deal enters a won/lost stage and clear it when it reopens, and a
# stage's kind cannot change while deals are in it, so `closed_at IS NULL` is "open".
OPEN_INDEX = """
CREATE INDEX IF NOT EXISTS deal_forecast_open ON sales_deal
  (tenant_id, expected_close_date, owner_id)
  INCLUDE (amount, probability, stage_id, currency)
  WHERE deleted_at IS NULL AND closed_at IS NULL
"""
# The won aggregate: closed deals by close time (the month is taken in the tenant's zone).
CLOSED_INDEX = """
CREATE INDEX IF NOT EXISTS deal_forecast_closed ON sales_deal
  (tenant_id, closed_at)
  INCLUDE (owner_id, amount, stage_id, currency)
  WHERE deleted_at IS NULL AND closed_at IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0005_daily_reports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SalesTarget",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(verbose_name="month")),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=0,
                        default=Decimal("0"),
                        max_digits=16,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                        verbose_name="target (JPY)",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "set_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="set by",
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
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="sales rep",
                    ),
                ),
            ],
            options={
                "verbose_name": "sales target",
                "verbose_name_plural": "sales targets",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddIndex(
            model_name="salestarget",
            index=models.Index(fields=["tenant", "month"], name="salestarget_month"),
        ),
        migrations.AddConstraint(
            model_name="salestarget",
            constraint=models.UniqueConstraint(
                fields=("tenant", "user", "month"), name="salestarget_unique_month"
            ),
        ),
        migrations.AddConstraint(
            model_name="salestarget",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gte", 0)), name="salestarget_amount_not_negative"
            ),
        ),
        migrations.AddConstraint(
            model_name="salestarget",
            constraint=models.CheckConstraint(
                condition=models.Q(("month__day", 1)), name="salestarget_month_first_day"
            ),
        ),
        migrations.RunSQL(OPEN_INDEX, "DROP INDEX IF EXISTS deal_forecast_open"),
        migrations.RunSQL(CLOSED_INDEX, "DROP INDEX IF EXISTS deal_forecast_closed"),
    ]
