"""Database setup that needs a PostgreSQL superuser.

The app connects as a role without superuser or BYPASSRLS (DESIGN.md, tenancy), so whatever
only a superuser may do is done here, once per database, when the embedded server starts
(crm/launcher.py) and by the production provisioning step (docker/). Each statement must be
idempotent: this runs at every start.
"""

from __future__ import annotations

import psycopg

# template1 too: test databases (and any database created later) are copied from it.
DATABASES = ("template1", "crm")


def provision(conn: psycopg.Connection) -> None:
    """Runs the superuser-only setup in the database `conn` is connected to (autocommit)."""
