# Accounts area. The login history page filters by user and pages by id within a tenant;
# this index serves that query (the model's (tenant, -id) index serves the unfiltered list).
# Raw SQL rather than a Meta index: the LoginEvent model file is shared, and the index changes
# no model state.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]
    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS loginevent_tenant_user_id_desc "
            "ON core_loginevent (tenant_id, user_id, id DESC)",
            reverse_sql="DROP INDEX IF EXISTS loginevent_tenant_user_id_desc",
        ),
    ]
