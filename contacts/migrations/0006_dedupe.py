"""Duplicates and merging (contacts.dedupe): Contact.merged_into, the "not a duplicate"
pairs, and the indexes the duplicate finder joins on (email_key and phone have theirs)."""

import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

# The same expressions as contacts/dedupe/selectors.py (NAME_KEY, KANA_KEY): the planner
# uses an expression index only when the query spells the expression the same way.
INDEXES = [
    (
        "contact_dedupe_mobile",
        "(tenant_id, mobile) WHERE deleted_at IS NULL AND mobile <> ''",
    ),
    (
        "contact_dedupe_name",
        "(tenant_id, (lower(replace(last_name || first_name, ' ', ''))), company_id)"
        " WHERE deleted_at IS NULL",
    ),
    (
        "contact_dedupe_kana",
        "(tenant_id, (replace(last_name_kana || first_name_kana, ' ', '')), company_id)"
        " WHERE deleted_at IS NULL AND last_name_kana <> '' AND first_name_kana <> ''",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0005_cti"),
        ("core", "0007_citus_unique_hashes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="contacts.contact",
            ),
        ),
        migrations.CreateModel(
            name="DuplicateDismissal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "contact_a",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="contacts.contact",
                    ),
                ),
                (
                    "contact_b",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="contacts.contact",
                    ),
                ),
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
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "pair marked not a duplicate",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "contact_a", "contact_b"),
                        name="duplicatedismissal_unique_pair",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("contact_a__lt", models.F("contact_b"))),
                        name="duplicatedismissal_ordered",
                    ),
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        *[
            migrations.RunSQL(
                sql=f"CREATE INDEX IF NOT EXISTS {name} ON contacts_contact {definition}",
                reverse_sql=f"DROP INDEX IF EXISTS {name}",
            )
            for name, definition in INDEXES
        ],
    ]
