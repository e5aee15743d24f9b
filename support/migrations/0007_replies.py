# support.replies: reply templates and the token sets of "similar inquiries".

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_dashboards"),
        ("support", "0006_kb"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReplyTemplate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("body", models.TextField(verbose_name="text")),
                ("scope", models.CharField(choices=[("shared", "Shared"), ("personal", "Personal")], default="shared", max_length=8, verbose_name="visible to")),
                ("shortcut", models.CharField(blank=True, max_length=40, verbose_name="shortcut")),
                ("usage_count", models.PositiveIntegerField(default=0, verbose_name="times used")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("category", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="support.ticketcategory", verbose_name="category")),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("owner", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("tenant", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.tenant")),
            ],
            options={
                "verbose_name": "reply template",
                "verbose_name_plural": "reply templates",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="SimilarTokenStat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.TextField()),
                ("df", models.IntegerField(default=0)),
                ("tenant", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.tenant")),
            ],
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="TicketTokens",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("tokens", django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), default=list, size=None)),
                ("is_done", models.BooleanField(default=False)),
                ("tenant", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.tenant")),
                ("ticket", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="similar_tokens", to="support.ticket")),
            ],
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddIndex(
            model_name="replytemplate",
            index=models.Index(fields=["tenant", "scope", "owner", "-id"], name="replytemplate_list"),
        ),
        migrations.AddConstraint(
            model_name="replytemplate",
            constraint=models.CheckConstraint(condition=models.Q(models.Q(("owner__isnull", True), ("scope", "shared")), models.Q(("owner__isnull", False), ("scope", "personal")), _connector="OR"), name="replytemplate_owner_iff_personal"),
        ),
        migrations.AddConstraint(
            model_name="replytemplate",
            constraint=models.UniqueConstraint(condition=models.Q(("scope", "shared"), models.Q(("shortcut", ""), _negated=True)), fields=("tenant", "shortcut"), name="replytemplate_shared_shortcut"),
        ),
        migrations.AddConstraint(
            model_name="replytemplate",
            constraint=models.UniqueConstraint(condition=models.Q(("scope", "personal"), models.Q(("shortcut", ""), _negated=True)), fields=("tenant", "owner", "shortcut"), name="replytemplate_personal_shortcut"),
        ),
        migrations.AddConstraint(
            model_name="similartokenstat",
            constraint=models.UniqueConstraint(fields=("tenant", "token"), name="similartokenstat_unique"),
        ),
        migrations.AddIndex(
            model_name="tickettokens",
            index=django.contrib.postgres.indexes.GinIndex(condition=models.Q(("is_done", True)), fields=["tokens"], name="tickettokens_done_gin"),
        ),
        migrations.AddConstraint(
            model_name="tickettokens",
            constraint=models.UniqueConstraint(fields=("tenant", "ticket"), name="tickettokens_one_per_ticket"),
        ),
    ]
