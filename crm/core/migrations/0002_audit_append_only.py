from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION crm_audit_append_only() RETURNS trigger
  LANGUAGE plpgsql AS
$$ BEGIN
  RAISE EXCEPTION 'core_auditlog is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER IF EXISTS core_auditlog_append_only ON core_auditlog;
CREATE TRIGGER core_auditlog_append_only BEFORE UPDATE OR DELETE ON core_auditlog
  FOR EACH ROW EXECUTE FUNCTION crm_audit_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS core_auditlog_append_only ON core_auditlog;
DROP FUNCTION IF EXISTS crm_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
