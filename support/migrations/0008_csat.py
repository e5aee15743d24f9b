# support.csat: one rating request per resolution (token stored as its SHA-256).

import django.db.models.deletion
import django.db.models.manager
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_dashboards"),
        ("support", "0007_replies"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CsatRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token_hash", models.CharField(editable=False, max_length=64)),
                ("resolved_at", models.DateTimeField()),
                ("language", models.CharField(default="ja", max_length=8)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                (
                    "rating",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="rating"),
                ),
                ("comment", models.TextField(blank=True, verbose_name="comment")),
                ("rated_at", models.DateTimeField(blank=True, null=True, verbose_name="rated at")),
                (
                    "agent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="agent",
                    ),
                ),
                (
                    "category",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="support.ticketcategory",
                        verbose_name="category",
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
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="csat_requests",
                        to="support.ticket",
                    ),
                ),
            ],
            options={
                "verbose_name": "satisfaction survey",
                "indexes": [
                    models.Index(
                        condition=models.Q(("rated_at__isnull", False)),
                        fields=["tenant", "rated_at"],
                        name="csat_rated",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "token_hash"), name="csat_unique_token"
                    ),
                    models.UniqueConstraint(
                        fields=("tenant", "ticket", "resolved_at"), name="csat_one_per_resolution"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("rating__isnull", True),
                            models.Q(("rating__gte", 1), ("rating__lte", 5)),
                            _connector="OR",
                        ),
                        name="csat_rating_1_to_5",
                    ),
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
    ]
