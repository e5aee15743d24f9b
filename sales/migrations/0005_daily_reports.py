# Daily reports (日報): reports, comments, read marks and the per-tenant reminder settings.

import datetime

import django.contrib.postgres.fields
import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

import sales.reports.models


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0004_activities"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DailyReport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField(verbose_name="date")),
                ("did", models.TextField(blank=True, verbose_name="what I did")),
                ("results", models.TextField(blank=True, verbose_name="results")),
                ("issues", models.TextField(blank=True, verbose_name="issues")),
                ("plan_tomorrow", models.TextField(blank=True, verbose_name="tomorrow's plan")),
                (
                    "minutes_spent",
                    models.PositiveIntegerField(
                        blank=True, null=True, verbose_name="time spent (minutes)"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("submitted", "Submitted")],
                        default="draft",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                (
                    "submitted_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="submitted at"),
                ),
                (
                    "edited_after_submit_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="edited after submitting"
                    ),
                ),
                ("pulled_items", models.JSONField(blank=True, default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="author",
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
                "verbose_name": "daily report",
                "verbose_name_plural": "daily reports",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="DailyReportComment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("body", models.TextField(verbose_name="comment")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comments",
                        to="sales.dailyreport",
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
                "verbose_name": "daily report comment",
                "verbose_name_plural": "daily report comments",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="DailyReportRead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("read_at", models.DateTimeField()),
                (
                    "reader",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reads",
                        to="sales.dailyreport",
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
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="ReportSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "reminders_enabled",
                    models.BooleanField(default=True, verbose_name="remind missing reports"),
                ),
                (
                    "remind_at",
                    models.TimeField(
                        default=datetime.time(18, 0),
                        help_text="On working days after this time (tenant's time zone).",
                        verbose_name="reminder time",
                    ),
                ),
                (
                    "required_roles",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(
                            choices=[
                                ("owner", "Owner"),
                                ("admin", "Admin"),
                                ("manager", "Manager"),
                                ("sales", "Sales"),
                                ("marketer", "Marketer"),
                                ("support", "Support"),
                                ("viewer", "Viewer"),
                            ],
                            max_length=16,
                        ),
                        blank=True,
                        default=sales.reports.models.default_required_roles,
                        size=None,
                        verbose_name="roles that write daily reports",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
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
                "verbose_name": "daily report settings",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddIndex(
            model_name="dailyreport",
            index=models.Index(
                fields=["tenant", "author", "-date", "-id"], name="dailyreport_author"
            ),
        ),
        migrations.AddIndex(
            model_name="dailyreport",
            index=models.Index(fields=["tenant", "-date", "-id"], name="dailyreport_date"),
        ),
        migrations.AddConstraint(
            model_name="dailyreport",
            constraint=models.UniqueConstraint(
                fields=("tenant", "author", "date"), name="dailyreport_unique_day"
            ),
        ),
        migrations.AddIndex(
            model_name="dailyreportcomment",
            index=models.Index(fields=["tenant", "report", "id"], name="dailyreportcomment_report"),
        ),
        migrations.AddIndex(
            model_name="dailyreportread",
            index=models.Index(fields=["tenant", "reader", "report"], name="dailyreportread_by"),
        ),
        migrations.AddConstraint(
            model_name="dailyreportread",
            constraint=models.UniqueConstraint(
                fields=("tenant", "report", "reader"), name="dailyreportread_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="reportsettings",
            constraint=models.UniqueConstraint(
                fields=("tenant",), name="reportsettings_one_per_tenant"
            ),
        ),
    ]
