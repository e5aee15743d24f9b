"""Database setup that needs a PostgreSQL superuser.

The app connects as a role without superuser or BYPASSRLS (DESIGN.md, tenancy), so whatever
only a superuser may do is done here, once per database, when the embedded server starts
(crm/launcher.py) and by the production provisioning step (docker/postgres-provision.sql,
the same statements; on managed PostgreSQL a DBA runs them). Each statement must be
idempotent: this runs at every start.
"""

from __future__ import annotations

import psycopg

# template1 too: test databases (and any database created later) are copied from it.
DATABASES = ("template1", "crm")

# Functions the app's queries need to be LEAKPROOF so that PostgreSQL may use an index for
# them on tables with FORCEd row-level security (docs/search.md, "Why LEAKPROOF is safe
# here"). Keep this list minimal and every entry argued there:
# - ts_match_vq: `tsvector @@ tsquery`, the contact search n-gram condition (GIN index).
LEAKPROOF_FUNCTIONS = ("pg_catalog.ts_match_vq(tsvector, tsquery)",)


def provision(conn: psycopg.Connection) -> None:
    """Runs the superuser-only setup in the database `conn` is connected to (autocommit)."""
    for signature in LEAKPROOF_FUNCTIONS:
        row = conn.execute(
            "SELECT proleakproof FROM pg_proc WHERE oid = %s::regprocedure", [signature]
        ).fetchone()
        if row is not None and not row[0]:
            conn.execute(f"ALTER FUNCTION {signature} LEAKPROOF")
