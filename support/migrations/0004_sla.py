# support.sla: business calendars, SLA policies, the per-ticket clock and its records.

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_dashboards"),
        ("support", "0003_mail"),
    ]

    operations = [
        migrations.CreateModel(
            name="BusinessCalendar",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("is_default", models.BooleanField(default=False, verbose_name="default calendar")),
                (
                    "use_jp_holidays",
                    models.BooleanField(
                        default=True, verbose_name="closed on Japanese public holidays"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
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
                "verbose_name": "business calendar",
                "ordering": ["-is_default", "name", "id"],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="BusinessBlock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "weekday",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "Monday"),
                            (1, "Tuesday"),
                            (2, "Wednesday"),
                            (3, "Thursday"),
                            (4, "Friday"),
                            (5, "Saturday"),
                            (6, "Sunday"),
                        ],
                        verbose_name="weekday",
                    ),
                ),
                ("start", models.TimeField(verbose_name="from")),
                ("end", models.TimeField(verbose_name="to")),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.tenant",
                    ),
                ),
                (
                    "calendar",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="blocks",
                        to="support.businesscalendar",
                    ),
                ),
            ],
            options={
                "ordering": ["weekday", "start", "id"],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="BusinessHoliday",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("start_date", models.DateField(verbose_name="from")),
                ("end_date", models.DateField(verbose_name="to")),
                (
                    "calendar",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="holidays",
                        to="support.businesscalendar",
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
                "ordering": ["start_date", "id"],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="SlaPolicy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("priority", models.CharField(blank=True, max_length=8, verbose_name="priority")),
                (
                    "first_response_minutes",
                    models.PositiveIntegerField(verbose_name="first response target"),
                ),
                (
                    "resolution_minutes",
                    models.PositiveIntegerField(verbose_name="resolution target"),
                ),
                (
                    "warn_before_minutes",
                    models.PositiveIntegerField(default=30, verbose_name="warn before"),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("position", models.PositiveIntegerField(default=0, verbose_name="order")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "calendar",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="policies",
                        to="support.businesscalendar",
                        verbose_name="business calendar",
                    ),
                ),
                (
                    "category",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
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
            ],
            options={
                "verbose_name": "SLA policy",
                "verbose_name_plural": "SLA policies",
                "ordering": ["position", "id"],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="SlaRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "target",
                    models.CharField(
                        choices=[
                            ("first_response", "First response"),
                            ("resolution", "Resolution"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[("met", "Met"), ("breached", "Breached")], max_length=8
                    ),
                ),
                ("due_at", models.DateTimeField()),
                ("met_at", models.DateTimeField(blank=True, null=True)),
                ("breached_at", models.DateTimeField(blank=True, null=True)),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "policy",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="support.slapolicy",
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
                        related_name="+",
                        to="support.ticket",
                    ),
                ),
            ],
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="TicketSla",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("paused_minutes", models.FloatField(default=0)),
                ("first_response_met_at", models.DateTimeField(blank=True, null=True)),
                ("first_response_warned_at", models.DateTimeField(blank=True, null=True)),
                ("first_response_breached_at", models.DateTimeField(blank=True, null=True)),
                ("resolution_met_at", models.DateTimeField(blank=True, null=True)),
                ("resolution_warned_at", models.DateTimeField(blank=True, null=True)),
                ("resolution_breached_at", models.DateTimeField(blank=True, null=True)),
                (
                    "policy",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="support.slapolicy",
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
                        related_name="+",
                        to="support.ticket",
                    ),
                ),
            ],
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddConstraint(
            model_name="businesscalendar",
            constraint=models.UniqueConstraint(
                fields=("tenant", "name"), name="slacalendar_unique_name"
            ),
        ),
        migrations.AddConstraint(
            model_name="businesscalendar",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_default", True)),
                fields=("tenant",),
                name="slacalendar_one_default",
            ),
        ),
        migrations.AddIndex(
            model_name="businessblock",
            index=models.Index(fields=["tenant", "calendar"], name="slablock_calendar"),
        ),
        migrations.AddIndex(
            model_name="businessholiday",
            index=models.Index(fields=["tenant", "calendar"], name="slaholiday_calendar"),
        ),
        migrations.AddIndex(
            model_name="slarecord",
            index=models.Index(fields=["tenant", "due_at"], name="slarecord_due"),
        ),
        migrations.AddConstraint(
            model_name="slarecord",
            constraint=models.UniqueConstraint(
                fields=("tenant", "ticket", "target"), name="slarecord_once_per_target"
            ),
        ),
        migrations.AddConstraint(
            model_name="ticketsla",
            constraint=models.UniqueConstraint(
                fields=("tenant", "ticket"), name="ticketsla_one_per_ticket"
            ),
        ),
    ]
