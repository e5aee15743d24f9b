"""Import speed: the created contacts of an import are recorded as id ranges, and the search
trigger lets the import's INSERT fill search_vector itself.

The trigger function below is the one of 0007 (contacts/search/sql.py) with one early
return: a row that arrives with search_vector already set while the transaction-local
setting app.defer_search_vector is 'on' keeps it. Only the import's INSERT sets it (SET LOCAL,
switched off again right after), and that INSERT computes the vector with the same
contacts_search_vector(search_text) the trigger would call: same value, one call less per
row, no ALTER TABLE … DISABLE TRIGGER (which would lock the table for everyone)."""

from django.db import migrations, models

DEFERRABLE_TRIGGER = """
CREATE OR REPLACE FUNCTION contacts_search_vector_trigger() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.search_vector IS NOT NULL
     AND current_setting('app.defer_search_vector', true) = 'on' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' OR NEW.search_vector IS NULL
     OR NEW.search_text IS DISTINCT FROM OLD.search_text THEN
    NEW.search_vector := contacts_search_vector(NEW.search_text);
  END IF;
  RETURN NEW;
END
$fn$;
"""

ORIGINAL_TRIGGER = """
CREATE OR REPLACE FUNCTION contacts_search_vector_trigger() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.search_vector IS NULL
     OR NEW.search_text IS DISTINCT FROM OLD.search_text THEN
    NEW.search_vector := contacts_search_vector(NEW.search_text);
  END IF;
  RETURN NEW;
END
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [("contacts", "0009_saved_views")]

    operations = [
        migrations.AddField(
            model_name="importchange",
            name="last_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="importchange",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("created_range", "Created (id range)"),
                    ("updated", "Updated"),
                    ("company_created", "Company created"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunSQL(DEFERRABLE_TRIGGER, reverse_sql=ORIGINAL_TRIGGER),
    ]
