# Indexes for the audit log page's filters (settings:audit). Written as SQL rather than as
# Meta.indexes so the model file (shared) stays as it is; `IF NOT EXISTS` keeps it
# idempotent. Keyset pages walk `id DESC` inside each filter, so each index ends with it.
from django.db import migrations

SQL = """
CREATE INDEX IF NOT EXISTS audit_tenant_actor_id_desc
  ON core_auditlog (tenant_id, actor_id, id DESC);
CREATE INDEX IF NOT EXISTS audit_tenant_action_id_desc
  ON core_auditlog (tenant_id, action, id DESC);
CREATE INDEX IF NOT EXISTS audit_tenant_at
  ON core_auditlog (tenant_id, at);
"""

REVERSE = """
DROP INDEX IF EXISTS audit_tenant_actor_id_desc;
DROP INDEX IF EXISTS audit_tenant_action_id_desc;
DROP INDEX IF EXISTS audit_tenant_at;
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0004_customfields")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
