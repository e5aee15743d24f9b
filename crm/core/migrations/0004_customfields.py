# Custom fields. The definition table itself is in 0001; this adds a database-level guard
# on the key format (defense in depth: keys end up in JSONB paths, URLs and SQL parameters).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0003_accounts")]
    operations: list = [
        migrations.RunSQL(
            sql=(
                "ALTER TABLE core_customfielddefinition ADD CONSTRAINT customfield_key_format "
                "CHECK (key ~ '^[a-z][a-z0-9]*(_[a-z0-9]+)*$' AND length(key) <= 63)"
            ),
            reverse_sql=(
                "ALTER TABLE core_customfielddefinition DROP CONSTRAINT customfield_key_format"
            ),
        ),
    ]
