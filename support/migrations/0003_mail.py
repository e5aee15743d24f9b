# support.mail: mail settings per tenant and the outbox of mail to customers.

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models

import support.mail.models


class Migration(migrations.Migration):
    dependencies = [("core", "0009_dashboards"), ("support", "0002_ticket_pages")]

    operations = [
        migrations.CreateModel(
            name="MailSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "support_address",
                    models.EmailField(
                        blank=True,
                        help_text="Replies to customers are sent from this address.",
                        max_length=254,
                        verbose_name="support address (From)",
                    ),
                ),
                (
                    "from_name",
                    models.CharField(blank=True, max_length=100, verbose_name="sender name"),
                ),
                ("signature", models.TextField(blank=True, verbose_name="signature")),
                (
                    "auto_ack_enabled",
                    models.BooleanField(
                        default=False, verbose_name="send an automatic acknowledgement"
                    ),
                ),
                (
                    "auto_ack_subject_ja",
                    models.CharField(
                        default=support.mail.models.default_ack_subject_ja,
                        max_length=300,
                        verbose_name="acknowledgement subject (Japanese)",
                    ),
                ),
                (
                    "auto_ack_body_ja",
                    models.TextField(
                        default=support.mail.models.default_ack_body_ja,
                        verbose_name="acknowledgement body (Japanese)",
                    ),
                ),
                (
                    "auto_ack_subject_en",
                    models.CharField(
                        default=support.mail.models.default_ack_subject_en,
                        max_length=300,
                        verbose_name="acknowledgement subject (English)",
                    ),
                ),
                (
                    "auto_ack_body_en",
                    models.TextField(
                        default=support.mail.models.default_ack_body_en,
                        verbose_name="acknowledgement body (English)",
                    ),
                ),
                (
                    "max_attachment_mb",
                    models.PositiveIntegerField(default=10, verbose_name="largest attachment (MB)"),
                ),
                ("webhook_token_hash", models.CharField(blank=True, editable=False, max_length=64)),
                ("webhook_token_hint", models.CharField(blank=True, editable=False, max_length=8)),
                ("loops_detected", models.PositiveIntegerField(default=0, editable=False)),
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
                "verbose_name": "mail settings",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="OutboundMail",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=20)),
                ("from_address", models.CharField(blank=True, max_length=400)),
                ("to_address", models.CharField(max_length=320)),
                ("subject", models.CharField(max_length=500)),
                ("body", models.TextField()),
                ("headers", models.JSONField(blank=True, default=dict)),
                ("message_id_header", models.CharField(blank=True, max_length=998)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting to be sent"),
                            ("sending", "Sending"),
                            ("sent", "Sent"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=8,
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("last_error", models.TextField(blank=True)),
                ("next_attempt_at", models.DateTimeField()),
                ("dedupe_key", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "message",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="outbox",
                        to="support.ticketmessage",
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
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="outbox",
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
            model_name="mailsettings",
            constraint=models.UniqueConstraint(
                fields=("tenant",), name="mailsettings_one_per_tenant"
            ),
        ),
        migrations.AddIndex(
            model_name="outboundmail",
            index=models.Index(
                condition=models.Q(("status__in", ["pending", "sending"])),
                fields=["tenant", "next_attempt_at", "id"],
                name="outboundmail_due",
            ),
        ),
        migrations.AddIndex(
            model_name="outboundmail",
            index=models.Index(fields=["tenant", "ticket", "id"], name="outboundmail_ticket"),
        ),
        migrations.AddConstraint(
            model_name="outboundmail",
            constraint=models.UniqueConstraint(
                condition=models.Q(("dedupe_key", ""), _negated=True),
                fields=("tenant", "dedupe_key"),
                name="outboundmail_unique_dedupe",
            ),
        ),
    ]
