"""Contact search without extensions: n-gram tsvector `search_vector`, kept by a trigger
from `search_text`, with a GIN index (contacts/search/sql.py says why each piece)."""

import django.contrib.postgres.search
from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from contacts.search import sql

# Existing rows get their vector tenant by tenant: RLS is FORCEd on contacts_contact, so the
# UPDATE sees a tenant's rows only with app.tenant_id set, and doing it in one DO block keeps
# the connection's tenant wrapper from resetting the setting between statements.
BACKFILL = """
DO $$
DECLARE t bigint;
BEGIN
  FOR t IN SELECT id FROM core_tenant LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
    UPDATE contacts_contact SET search_vector = contacts_search_vector(search_text)
    WHERE tenant_id = t AND search_vector IS NULL;
  END LOOP;
  PERFORM set_config('app.tenant_id', '', true);
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("contacts", "0006_dedupe")]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunSQL(sql.CREATE_FUNCTIONS, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(sql.CREATE_TRIGGER, reverse_sql=sql.DROP_ALL),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="contact",
            index=GinIndex(fields=["search_vector"], name="contact_search_vector_gin"),
        ),
    ]
