"""PostgreSQL row-level security, kept in step with the tenant context.

Every table with a `tenant_id` column gets RLS ENABLEd and FORCEd (so the owning role is
subject to it too) and one policy, `tenant_isolation`:

    tenant_id = crm_current_tenant()  [OR the table's extra condition]

`crm_current_tenant()` reads the session setting `app.tenant_id`; with nothing set it is
NULL and no row matches: no tenant, no rows.

The settings are written by an execute wrapper installed on every connection: before each
query it compares what the connection last sent with the context variables and re-sends them
when they differ. A rolled-back transaction can undo a `set_config`, so the wrapper also
re-sends after any transaction ended badly (we cannot see that from here, so we re-send
whenever the connection is inside an atomic block that was entered after the last sync).
In practice: the value a query runs under is always the one in the context variables at the
moment it runs, and a connection reused by the next request carries nothing over.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from psycopg.pq import TransactionStatus

from . import context

# Extra visibility beyond the tenant, per table. Each is a SQL condition on the row.
# Keep this list short and every entry justified:
EXTRA_POLICY: dict[str, str] = {
    # A logged-in user sees their own memberships in every tenant (tenant switcher, login).
    "core_membership": "user_id = crm_current_user()",
    # An API key / invitation is found by the holder of its secret before the tenant is known.
    "core_apikey": "key_hash = crm_lookup_hash()",
    "core_invitation": "token_hash = crm_lookup_hash()",
    # A calendar app (Google Calendar, Outlook) fetches a user's feed with only its secret URL.
    "sales_calendarfeedtoken": "token_hash = crm_lookup_hash()",
}

SETTINGS_SQL = (
    "SELECT set_config('app.tenant_id', %s, false), set_config('app.user_id', %s, false),"
    " set_config('app.lookup_hash', %s, false)"
)


def _wanted() -> tuple[str, str, str]:
    tenant = context.current_tenant()
    user_id = context.current_user_id()
    return (
        str(tenant.pk) if tenant is not None else "",
        str(user_id) if user_id is not None else "",
        context.current_lookup_hash(),
    )


def tenant_wrapper(execute: Any, sql: str, params: Any, many: bool, ctx: dict) -> Any:
    connection = ctx["connection"]
    raw = connection.connection
    if raw.info.transaction_status == TransactionStatus.INERROR:
        # An aborted transaction accepts only ROLLBACK (which Django is about to send);
        # nothing can be read in it, so there is nothing to protect.
        return execute(sql, params, many, ctx)
    wanted = _wanted()
    # Inside a transaction a rollback (to a savepoint or of the whole block) may undo an
    # earlier set_config, so we send the values with every query there; outside one
    # (autocommit) a sent value stays until changed, and we only send on change.
    if connection.in_atomic_block or getattr(connection, "_crm_rls_sent", None) != wanted:
        raw.execute(SETTINGS_SQL, wanted)
        connection._crm_rls_sent = wanted
    return execute(sql, params, many, ctx)


@contextmanager
def joins_as_written(using: str = "default") -> Iterator[None]:
    """Statements inside are planned with their joins in the written order
    (`join_collapse_limit = 1`).

    For a primary-key fetch with many `select_related` LEFT JOINs: PostgreSQL otherwise
    weighs every join order, which for a ticket with eight related rows (each table under
    row-level security, several with a dozen indexes) took ~7 ms of planning against ~1 ms
    running it; in the written order (the base table first, each row joined on its primary
    key) planning is ~1.3 ms (EXPLAIN ANALYZE at 1,000,000 tickets, docs/benchmarks.md).
    Not for reports or searches, where the order matters. The setting is the session's and
    is reset on the way out; in a transaction that fails, the rollback undoes it."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SET join_collapse_limit = 1")
    try:
        yield
    finally:
        raw = connection.connection
        if raw is not None and raw.info.transaction_status != TransactionStatus.INERROR:
            with connection.cursor() as cursor:
                cursor.execute("RESET join_collapse_limit")


def install_tenant_wrapper(sender: Any, connection: Any, **kwargs: Any) -> None:
    connection._crm_rls_sent = None
    if tenant_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(tenant_wrapper)


FUNCTIONS_SQL = """
CREATE OR REPLACE FUNCTION crm_current_tenant() RETURNS bigint
  LANGUAGE sql STABLE AS
  $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint $$;
CREATE OR REPLACE FUNCTION crm_current_user() RETURNS bigint
  LANGUAGE sql STABLE AS
  $$ SELECT NULLIF(current_setting('app.user_id', true), '')::bigint $$;
CREATE OR REPLACE FUNCTION crm_lookup_hash() RETURNS text
  LANGUAGE sql STABLE AS
  $$ SELECT NULLIF(current_setting('app.lookup_hash', true), '') $$;
"""


def tenant_tables(cursor: Any) -> list[str]:
    cursor.execute(
        """
        SELECT c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
        ORDER BY c.relname
        """
    )
    return [row[0] for row in cursor.fetchall()]


def install_row_level_security(using: str = "default", **kwargs: Any) -> None:
    """Idempotent: (re)creates the policy on every table that has a tenant_id column.

    Runs after every `migrate`, so a new tenant-owned table is covered the moment it exists;
    the catalog test in tests/core/test_rls.py proves no table was missed.
    """
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(FUNCTIONS_SQL)
        for table in tenant_tables(cursor):
            using_sql = "tenant_id = crm_current_tenant()"
            if table in EXTRA_POLICY:
                using_sql = f"({using_sql}) OR ({EXTRA_POLICY[table]})"
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY")
            cursor.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {quoted}")
            # Writes must land in the active tenant only, whatever else a row may be read by.
            cursor.execute(
                f"CREATE POLICY tenant_isolation ON {quoted} USING ({using_sql})"
                f" WITH CHECK (tenant_id = crm_current_tenant())"
            )
