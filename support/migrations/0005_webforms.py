# support.webforms: inquiry forms, their fields and submissions.

import django.contrib.postgres.fields
import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

import support.webforms.models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0012_import_language"),
        ("core", "0009_dashboards"),
        ("support", "0004_sla"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="InquiryForm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "key",
                    models.CharField(
                        default=support.webforms.models.new_form_key,
                        editable=False,
                        max_length=40,
                        verbose_name="URL key",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("inquiry", "Inquiry (opens a ticket)"),
                            ("lead", "Lead (records the contact for marketing)"),
                        ],
                        default="inquiry",
                        max_length=8,
                        verbose_name="kind",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[("ja", "Japanese"), ("en", "English")],
                        default="ja",
                        max_length=2,
                        verbose_name="language",
                    ),
                ),
                ("published", models.BooleanField(default=False, verbose_name="published")),
                ("title", models.CharField(blank=True, max_length=200, verbose_name="title")),
                ("intro", models.TextField(blank=True, verbose_name="introduction")),
                ("thank_you", models.TextField(blank=True, verbose_name="thank-you message")),
                ("privacy_notice", models.TextField(blank=True, verbose_name="privacy notice")),
                ("privacy_url", models.URLField(blank=True, verbose_name="privacy policy URL")),
                (
                    "notify_user_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), blank=True, default=list, size=None
                    ),
                ),
                (
                    "notify_emails",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.EmailField(max_length=254),
                        blank=True,
                        default=list,
                        size=None,
                    ),
                ),
                (
                    "default_priority",
                    models.CharField(default="normal", max_length=8, verbose_name="priority"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("published_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "default_category",
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
                    "default_team",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="support.supportteam",
                        verbose_name="team",
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
                "verbose_name": "inquiry form",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="FormSubmission",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("data", models.JSONField(default=dict)),
                ("ip_hash", models.CharField(blank=True, max_length=64)),
                ("user_agent", models.CharField(blank=True, max_length=300)),
                ("receipt", models.CharField(max_length=40, verbose_name="receipt number")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="received at")),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="contacts.contact",
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
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="support.ticket",
                    ),
                ),
                (
                    "form",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="submissions",
                        to="support.inquiryform",
                    ),
                ),
            ],
            options={
                "verbose_name": "form submission",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="FormField",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "key",
                    models.CharField(default=support.webforms.models.new_field_key, max_length=20),
                ),
                ("position", models.PositiveIntegerField(default=0)),
                ("label", models.CharField(max_length=200, verbose_name="label")),
                (
                    "help_text",
                    models.CharField(blank=True, max_length=500, verbose_name="help text"),
                ),
                ("required", models.BooleanField(default=False, verbose_name="required")),
                (
                    "field_type",
                    models.CharField(
                        choices=[
                            ("text", "Text"),
                            ("long_text", "Long text"),
                            ("email", "E-mail"),
                            ("phone", "Phone"),
                            ("select", "Drop-down"),
                            ("radio", "Radio buttons"),
                            ("checkbox", "Checkbox"),
                            ("date", "Date"),
                            ("postal_code", "Postal code"),
                        ],
                        default="text",
                        max_length=12,
                        verbose_name="type",
                    ),
                ),
                ("choices", models.JSONField(blank=True, default=list, verbose_name="choices")),
                ("mapping", models.CharField(blank=True, max_length=80, verbose_name="saved to")),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.tenant",
                    ),
                ),
                (
                    "form",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="fields",
                        to="support.inquiryform",
                    ),
                ),
            ],
            options={
                "ordering": ["position", "id"],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddConstraint(
            model_name="inquiryform",
            constraint=models.UniqueConstraint(
                fields=("tenant", "key"), name="inquiryform_unique_key"
            ),
        ),
        migrations.AddIndex(
            model_name="formsubmission",
            index=models.Index(fields=["tenant", "form", "-id"], name="formsubmission_form"),
        ),
        migrations.AddIndex(
            model_name="formfield",
            index=models.Index(fields=["tenant", "form", "position"], name="formfield_form"),
        ),
        migrations.AddConstraint(
            model_name="formfield",
            constraint=models.UniqueConstraint(
                fields=("tenant", "form", "key"), name="formfield_unique_key"
            ),
        ),
    ]
