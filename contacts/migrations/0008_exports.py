"""Contact exports: the ExportJob table (RLS comes from
crm.core.db.install_row_level_security, which runs after every migrate, as for 0004's
import tables)."""

import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0007_search"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ExportJob",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("file_format", models.CharField(choices=[("csv", "CSV"), ("xlsx", "Excel (.xlsx)"), ("jsonl", "JSON Lines")], max_length=8, verbose_name="format")),
                ("encoding", models.CharField(choices=[("utf-8", "UTF-8 (with BOM)"), ("cp932", "Shift_JIS (CP932, Excel in Japanese)")], default="utf-8", max_length=16, verbose_name="encoding")),
                ("query", models.TextField(blank=True)),
                ("role", models.CharField(blank=True, max_length=16)),
                ("language", models.CharField(blank=True, max_length=16)),
                ("status", models.CharField(choices=[("pending", "Waiting to start"), ("running", "Running"), ("done", "Done"), ("failed", "Failed"), ("expired", "File deleted")], default="pending", max_length=16, verbose_name="status")),
                ("rows_done", models.PositiveIntegerField(default=0, verbose_name="rows written")),
                ("rows_total", models.PositiveIntegerField(default=0, verbose_name="rows")),
                ("replaced_cells", models.PositiveIntegerField(default=0)),
                ("file_path", models.CharField(blank=True, max_length=500)),
                ("file_size", models.BigIntegerField(default=0)),
                ("error_message", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("requested_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="requested by")),
                ("tenant", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.tenant")),
            ],
            options={
                "verbose_name": "contact export",
                "indexes": [models.Index(fields=["tenant", "-id"], name="exportjob_tenant_id_desc")],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
    ]
