"""Advanced search and saved views: Contact.last_activity_at (the newest timeline entry,
indexed with tenant_id first) back-filled set-based, and the SavedView table (RLS comes from
crm.core.db.install_row_level_security, which runs after every migrate)."""

import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

# Tenant by tenant, as in 0007: RLS is FORCEd, so each UPDATE sees one tenant's rows with
# app.tenant_id set, all inside one DO block. One UPDATE ... FROM per tenant.
BACKFILL = """
DO $$
DECLARE t bigint;
BEGIN
  FOR t IN SELECT id FROM core_tenant LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
    UPDATE contacts_contact c SET last_activity_at = latest.at
    FROM (
      SELECT contact_id, max(occurred_at) AS at FROM contacts_interaction
      WHERE tenant_id = t AND contact_id IS NOT NULL GROUP BY contact_id
    ) latest
    WHERE c.tenant_id = t AND c.id = latest.contact_id;
  END LOOP;
  PERFORM set_config('app.tenant_id', '', true);
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0008_exports"),
        ("core", "0007_citus_unique_hashes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="last_activity_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="last activity"
            ),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["tenant", "last_activity_at"],
                name="contact_tenant_last_activity",
            ),
        ),
        migrations.CreateModel(
            name="SavedView",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "params",
                    models.JSONField(blank=True, default=dict, verbose_name="conditions"),
                ),
                (
                    "is_shared",
                    models.BooleanField(
                        default=False,
                        help_text="Others can open a shared view; only its owner can change it.",
                        verbose_name="shared with everyone in the tenant",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
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
                "verbose_name": "saved view",
                "verbose_name_plural": "saved views",
                "ordering": ["name", "id"],
                "indexes": [
                    models.Index(fields=["tenant", "is_shared"], name="savedview_tenant_shared")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "owner", "name"),
                        name="savedview_unique_owner_name",
                        violation_error_message="You already have a view with this name.",
                    )
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
    ]
