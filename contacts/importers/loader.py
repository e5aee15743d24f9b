"""The set-based part of an import: COPY into a staging table, duplicates resolved in SQL,
one INSERT … SELECT for new contacts and one UPDATE … FROM for matched ones.

Staging is a TEMP table (private to the session, gone with it; it carries tenant_id like
every row we write). Everything that touches contacts_contact runs through Django's cursor,
so the tenant's session settings are in force and row-level security checks each written
row (WITH CHECK tenant_id = crm_current_tenant()).

Duplicates (issue 3): rows match on customer code, else normalized e-mail (email_key), else
phone plus name; inside the file and against stored contacts alike. Rows that match form one
group; the group's values are, per column, the last non-empty one in file order; a group
that matches a stored contact updates it (non-empty values win), any other creates one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field

from crm.core.models import CustomFieldDefinition

from ..models import Company, Contact
from .models import ImportChange
from .rows import STAGE_COLUMNS

CONTACTS = Contact._meta.db_table
COMPANIES = Company._meta.db_table
CHANGES = ImportChange._meta.db_table

# Staged text column -> contacts_contact column, for the plain text fields.
TEXT_FIELDS = (
    "last_name",
    "first_name",
    "last_name_kana",
    "first_name_kana",
    "department",
    "title",
    "email",
    "phone",
    "mobile",
    "postal_code",
    "prefecture",
    "address",
    "gender",
    "lifecycle_stage",
    "source",
    "customer_code",
)
MERGED_COLUMNS = (*STAGE_COLUMNS,)  # every staged column is merged the same way


def q(name: str) -> str:
    return connection.ops.quote_name(name)


@dataclass
class Staging:
    job_id: int
    custom_keys: list[str]  # cf_<i> -> custom field key

    @property
    def stage(self) -> str:
        return f"import_stage_{self.job_id}"

    @property
    def keyed(self) -> str:
        return f"import_keyed_{self.job_id}"

    @property
    def merged(self) -> str:
        return f"import_merged_{self.job_id}"

    @property
    def companies(self) -> str:
        return f"import_companies_{self.job_id}"

    @property
    def columns(self) -> list[str]:
        return list(STAGE_COLUMNS) + [f"cf_{n}" for n in range(len(self.custom_keys))]

    def create(self) -> None:
        cols = ", ".join(f"{c} text NOT NULL" for c in self.columns)
        with connection.cursor() as cursor:
            self.drop(cursor)
            cursor.execute(
                f"CREATE TEMP TABLE {self.stage} (rownum integer NOT NULL, "
                f"tenant_id bigint NOT NULL, {cols})"
            )

    def drop(self, cursor: Any = None) -> None:
        if cursor is None:
            with connection.cursor() as cursor:
                self.drop(cursor)
            return
        for table in (self.stage, self.keyed, self.merged, self.companies):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def copy_rows(self, tenant_id: int, rows: Iterable[tuple[int, Sequence[str]]]) -> None:
        """COPY one chunk (psycopg 3's cursor.copy: the COPY protocol, no per-row INSERT)."""
        columns = ", ".join(["rownum", "tenant_id", *self.columns])
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {self.stage} ({columns}) FROM STDIN") as copy:
                for rownum, values in rows:
                    copy.write_row((rownum, tenant_id, *values))


def _insert_defaults(model: Any, provided: set[str]) -> tuple[list[str], list[str], list[Any]]:
    """Columns, SQL expressions and params for the NOT NULL columns an INSERT … SELECT does
    not fill itself: Django keeps defaults in Python, so raw SQL must send them."""
    columns, exprs, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in provided:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            columns.append(field.column)
            exprs.append("now()")
            continue
        if field.null:
            continue
        assert isinstance(field, Field)
        default = field.get_default()
        columns.append(field.column)
        exprs.append("%s")
        params.append(field.get_db_prep_save(default, connection))
    return columns, exprs, params


def _search_text_sql(alias: str, company_name: str, text_keys: list[str]) -> str:
    """The SQL twin of the services' search text: names, kana, e-mail, phone and mobile
    digits in national form, company name, customer code, text custom fields; lower-cased,
    space separated."""

    def national(column: str) -> str:
        col = f"{alias}.{column}"
        return (
            f"NULLIF(CASE WHEN {col} LIKE '+81%%' THEN '0' || substr({col}, 4)"
            f" ELSE ltrim({col}, '+') END, '')"
        )

    parts = [
        f"NULLIF({alias}.{c}, '')"
        for c in ("last_name", "first_name", "last_name_kana", "first_name_kana", "email")
    ]
    parts += [national("phone"), national("mobile"), f"NULLIF({company_name}, '')"]
    parts += [f"NULLIF({alias}.customer_code, '')"]
    parts += [f"NULLIF({alias}.custom_fields ->> {_literal(key)}, '')" for key in text_keys]
    return f"lower(concat_ws(' ', {', '.join(parts)}))"


def _last_non_empty(column: str) -> str:
    return (
        f"COALESCE((array_agg({column} ORDER BY rownum DESC)"
        f" FILTER (WHERE {column} <> ''))[1], '') AS {column}"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cf_json(alias: str, custom_keys: list[str]) -> str:
    if not custom_keys:
        return "'{}'::jsonb"
    pairs = ", ".join(
        f"{_literal(key)}, NULLIF({alias}.cf_{n}, '')::jsonb" for n, key in enumerate(custom_keys)
    )
    return f"jsonb_strip_nulls(jsonb_build_object({pairs}))"


@dataclass
class LoadResult:
    created: int
    updated_rows: int
    staged_rows: int
    companies_created: int


def load(
    *,
    staging: Staging,
    tenant_id: int,
    job_id: int,
    text_definitions: list[CustomFieldDefinition],
) -> LoadResult:
    """Resolve duplicates and write contacts. Call inside transaction.atomic()."""
    s, k, m, co = staging.stage, staging.keyed, staging.merged, staging.companies
    text_keys = [d.key for d in text_definitions]
    with connection.cursor() as cursor:
        # For this transaction only. work_mem: the sorts and hashes of a big import fit in
        # memory instead of spilling to disk (it is per sort, in the server, for one
        # session). synchronous_commit off: the commit returns before its WAL is on disk
        # (flushed within wal_writer_delay). A crash in that window loses this import's
        # transaction as a whole, exactly as a crash a moment before the commit would: the
        # database stays consistent, no other transaction's data is affected (each keeps
        # its own setting), and the job row, written in the same transaction, is not
        # marked done. Only this transaction takes the risk, so SET LOCAL.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(f"SELECT count(*) FROM {s}")
        staged_rows = cursor.fetchone()[0]
        # 1. A key per row (customer code > e-mail > phone + name), then rows without a
        #    code join the group of an earlier row with the same e-mail that has one, and
        #    phone-only rows the group of a row with the same phone and name.
        cursor.execute(
            f"""
            CREATE TEMP TABLE {k} AS
            WITH base AS (
              SELECT s.*,
                CASE WHEN s.customer_code <> '' THEN 'c:' || s.customer_code
                     WHEN s.email_key <> '' THEN 'e:' || s.email_key
                     WHEN s.phone <> ''
                       THEN 'p:' || s.phone || '|' || s.last_name || '|' || s.first_name
                     WHEN s.mobile <> ''
                       THEN 'p:' || s.mobile || '|' || s.last_name || '|' || s.first_name
                     ELSE 'r:' || s.rownum END AS key0
              FROM {s} s
            ), by_email AS (
              SELECT DISTINCT ON (email_key) email_key, key0 FROM base
              WHERE customer_code <> '' AND email_key <> '' ORDER BY email_key, rownum
            ), by_phone AS (
              SELECT DISTINCT ON (phone, last_name, first_name) phone, last_name, first_name, key0
              FROM base WHERE phone <> '' AND (customer_code <> '' OR email_key <> '')
              ORDER BY phone, last_name, first_name, rownum
            )
            SELECT b.*, COALESCE(be.key0, bp.key0, b.key0) AS key
            FROM base b
            LEFT JOIN by_email be ON b.customer_code = '' AND be.email_key = b.email_key
                                 AND b.email_key <> ''
            LEFT JOIN by_phone bp ON b.customer_code = '' AND b.email_key = ''
                                 AND bp.phone = b.phone AND bp.last_name = b.last_name
                                 AND bp.first_name = b.first_name AND b.phone <> ''
            """
        )
        # Temp tables get no statistics from autovacuum: without them the planner guesses
        # a few hundred rows and picks per-key index probes into contacts_contact. Only
        # the columns the joins use (a full ANALYZE of 20 text columns costs seconds).
        cursor.execute(f"ANALYZE {k} (customer_code, email_key, phone, key)")
        # 2. Stored matches per row (code: any stored row, the code is unique; e-mail and
        #    phone + name: live rows whose code does not contradict ours), then per group the
        #    best one (code before e-mail before phone, earlier rows first). Groups that hit
        #    the same stored contact become one group.
        cursor.execute(
            f"""
            CREATE TEMP TABLE {m} AS
            WITH matched AS (
              SELECT k.*,
                COALESCE(mc.id, me.id, mp.id) AS match_id,
                CASE WHEN mc.id IS NOT NULL THEN 1 WHEN me.id IS NOT NULL THEN 2
                     WHEN mp.id IS NOT NULL THEN 3 END AS match_rank
              FROM {k} k
              LEFT JOIN (
                SELECT customer_code, min(id) AS id FROM {CONTACTS}
                WHERE tenant_id = %(t)s AND customer_code <> ''
                  AND customer_code IN (SELECT customer_code FROM {k} WHERE customer_code <> '')
                GROUP BY customer_code
              ) mc ON k.customer_code <> '' AND mc.customer_code = k.customer_code
              LEFT JOIN (
                SELECT DISTINCT ON (email_key) email_key, id, customer_code FROM {CONTACTS}
                WHERE tenant_id = %(t)s AND deleted_at IS NULL AND email_key <> ''
                  AND email_key IN (SELECT email_key FROM {k} WHERE email_key <> '')
                ORDER BY email_key, id
              ) me ON k.email_key <> '' AND me.email_key = k.email_key
                  AND (me.customer_code = '' OR k.customer_code = ''
                       OR me.customer_code = k.customer_code)
              LEFT JOIN (
                SELECT DISTINCT ON (phone, last_name, first_name)
                       phone, last_name, first_name, id, customer_code
                FROM {CONTACTS}
                WHERE tenant_id = %(t)s AND deleted_at IS NULL AND phone <> ''
                  AND phone IN (SELECT phone FROM {k} WHERE phone <> '')
                ORDER BY phone, last_name, first_name, id
              ) mp ON k.phone <> '' AND mp.phone = k.phone AND mp.last_name = k.last_name
                  AND mp.first_name = k.first_name
                  AND (mp.customer_code = '' OR k.customer_code = ''
                       OR mp.customer_code = k.customer_code)
            ), grouped AS (
              SELECT matched.*,
                COALESCE('id:' || first_value(match_id) OVER w, key) AS grp,
                first_value(match_id) OVER w AS group_match
              FROM matched
              WINDOW w AS (PARTITION BY key ORDER BY match_rank NULLS LAST, rownum)
            ), counted AS (
              SELECT grouped.*, count(*) OVER (PARTITION BY grp) AS n FROM grouped
            )
            -- Most groups are one row: they are taken as they are; only real groups pay
            -- for the per-column "last non-empty value" aggregates (a sort each).
            SELECT grp, group_match AS match_id, n, rownum AS first_row,
                   {", ".join(staging.columns)}
            FROM counted WHERE n = 1
            UNION ALL
            SELECT grp,
                   max(group_match) AS match_id,
                   count(*) AS n,
                   min(rownum) AS first_row,
                   {", ".join(_last_non_empty(c) for c in staging.columns)}
            FROM counted WHERE n > 1
            GROUP BY grp
            """,
            {"t": tenant_id},
        )
        cursor.execute(f"ANALYZE {m} (match_id, company_name)")
        # 3. Companies by name: reuse a live one, create the missing ones.
        company_cols, company_exprs, company_params = _insert_defaults(
            Company, {"tenant_id", "name"}
        )
        cursor.execute(
            f"""
            WITH names AS (
              SELECT DISTINCT company_name AS name FROM {m} WHERE company_name <> ''
            ), ins AS (
              INSERT INTO {COMPANIES} (tenant_id, name, {", ".join(company_cols)})
              SELECT %s, n.name, {", ".join(company_exprs)} FROM names n
              WHERE NOT EXISTS (
                SELECT 1 FROM {COMPANIES} c
                WHERE c.tenant_id = %s AND c.deleted_at IS NULL AND c.name = n.name
              )
              RETURNING id
            )
            INSERT INTO {CHANGES} (tenant_id, job_id, kind, object_id)
            SELECT %s, %s, 'company_created', id FROM ins
            """,
            [tenant_id, *company_params, tenant_id, tenant_id, job_id],
        )
        companies_created = cursor.rowcount
        cursor.execute(
            f"""
            CREATE TEMP TABLE {co} AS
            SELECT DISTINCT ON (name) name, id FROM {COMPANIES}
            WHERE tenant_id = %s AND deleted_at IS NULL
              AND name IN (SELECT company_name FROM {m} WHERE company_name <> '')
            ORDER BY name, id
            """,
            [tenant_id],
        )
        # 4. What the matched contacts were, for undo (the whole row as JSONB).
        cursor.execute(
            f"""
            INSERT INTO {CHANGES} (tenant_id, job_id, kind, object_id, before)
            SELECT %s, %s, 'updated', c.id, to_jsonb(c)
            FROM {CONTACTS} c JOIN {m} ON {m}.match_id = c.id
            WHERE c.tenant_id = %s
            """,
            [tenant_id, job_id, tenant_id],
        )
        # 5. One UPDATE for every matched contact: non-empty imported values win; tags are
        #    added; custom fields merged key by key; derived columns recomputed.
        new_values = ",\n".join(f"COALESCE(NULLIF(m.{c}, ''), c.{c}) AS {c}" for c in TEXT_FIELDS)
        inner = f"""
            SELECT c.id, {new_values},
              CASE WHEN m.birth_date <> '' THEN m.birth_date::date ELSE c.birth_date END
                AS birth_date,
              COALESCE(co.id, c.company_id) AS company_id,
              CASE WHEN m.tags <> '' THEN c.tags || ARRAY(
                SELECT t FROM jsonb_array_elements_text(m.tags::jsonb) AS t
                WHERE t <> ALL (c.tags))::varchar(50)[] ELSE c.tags END AS tags,
              c.custom_fields || {_cf_json("m", staging.custom_keys)} AS custom_fields
            FROM {CONTACTS} c
            JOIN {m} m ON m.match_id = c.id
            LEFT JOIN {co} co ON co.name = m.company_name
            WHERE c.tenant_id = %(t)s
        """
        assignments = ", ".join(
            f"{c} = x.{c}"
            for c in (*TEXT_FIELDS, "birth_date", "company_id", "tags", "custom_fields")
        )
        cursor.execute(
            f"""
            UPDATE {CONTACTS} AS target SET {assignments},
              email_key = lower(x.email),
              search_text = {_search_text_sql("x", "xc.name", text_keys)},
              deleted_at = NULL,
              updated_at = now()
            FROM ({inner}) AS x
            LEFT JOIN {COMPANIES} xc ON xc.id = x.company_id
            WHERE target.id = x.id AND target.tenant_id = %(t)s
            """,
            {"t": tenant_id},
        )
        # 6. One INSERT for the new ones, recording their ids for undo.
        provided = {
            "tenant_id",
            *TEXT_FIELDS,
            "email_key",
            "birth_date",
            "company_id",
            "tags",
            "custom_fields",
            "search_text",
            "search_vector",
        }
        extra_cols, extra_exprs, extra_params = _insert_defaults(Contact, provided)
        params: dict[str, Any] = {"t": tenant_id, "job": job_id}
        for n, value in enumerate(extra_params):
            params[f"d{n}"] = value
        extra_sql = [
            f"%(d{extra_exprs[:i].count('%s')})s" if e == "%s" else e
            for i, e in enumerate(extra_exprs)
        ]
        new_text = ", ".join(
            "COALESCE(NULLIF(m.lifecycle_stage, ''), 'lead') AS lifecycle_stage"
            if c == "lifecycle_stage"
            else f"m.{c}"
            for c in TEXT_FIELDS
        )
        # The search trigger would compute search_vector row by row; this INSERT computes
        # it itself with the same function (migration 0011: with app.defer_search_vector on,
        # the trigger keeps a vector the row brings). Only for this statement.
        cursor.execute("SELECT set_config('app.defer_search_vector', 'on', true)")
        cursor.execute(
            f"""
            WITH fresh AS (
              SELECT m.first_row, {new_text},
                CASE WHEN m.birth_date <> '' THEN m.birth_date::date END AS birth_date,
                co.id AS company_id, m.company_name,
                CASE WHEN m.tags <> '' THEN ARRAY(
                  SELECT jsonb_array_elements_text(m.tags::jsonb))::varchar(50)[]
                  ELSE '{{}}'::varchar(50)[] END AS tags,
                {_cf_json("m", staging.custom_keys)} AS custom_fields
              FROM {m} m LEFT JOIN {co} co ON co.name = m.company_name
              WHERE m.match_id IS NULL
            ), texts AS (
              SELECT x.*, {_search_text_sql("x", "x.company_name", text_keys)} AS search_text
              FROM fresh x
            ), ins AS (
              INSERT INTO {CONTACTS} (tenant_id, {", ".join(TEXT_FIELDS)}, email_key, birth_date,
                company_id, tags, custom_fields, search_text, search_vector
                {"".join(", " + c for c in extra_cols)})
              SELECT %(t)s, {", ".join("x." + c for c in TEXT_FIELDS)}, lower(x.email),
                x.birth_date, x.company_id, x.tags, x.custom_fields,
                x.search_text, contacts_search_vector(x.search_text)
                {"".join(", " + e for e in extra_sql)}
              FROM texts x ORDER BY x.first_row
              RETURNING id
            ), runs AS (
              -- Runs of consecutive ids that are all this INSERT's (gaps and islands): ids
              -- are not contiguous when other sessions insert at the same time.
              SELECT min(id) AS first_id, max(id) AS last_id
              FROM (SELECT id, id - row_number() OVER (ORDER BY id) AS run FROM ins) r
              GROUP BY run
            ), recorded AS (
              INSERT INTO {CHANGES} (tenant_id, job_id, kind, object_id, last_id)
              SELECT %(t)s, %(job)s, 'created_range', first_id, last_id FROM runs
            )
            SELECT count(*) FROM ins
            """,
            params,
        )
        created = int(cursor.fetchone()[0])
        cursor.execute("SELECT set_config('app.defer_search_vector', 'off', true)")
    return LoadResult(
        created=created,
        updated_rows=staged_rows - created,
        staged_rows=staged_rows,
        companies_created=max(companies_created, 0),
    )


def undo_blockers(*, tenant_id: int, job_id: int, finished_at: Any) -> int:
    """How many of the job's contacts were changed (or deleted) after it finished."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT
              (SELECT count(*) FROM {CHANGES} ch JOIN {CONTACTS} c ON c.id = ch.object_id
               WHERE ch.tenant_id = %(t)s AND ch.job_id = %(job)s
                 AND ch.kind IN ('created', 'updated') AND c.updated_at > %(at)s)
              +
              (SELECT count(*) FROM {CHANGES} ch
               JOIN {CONTACTS} c ON c.id BETWEEN ch.object_id AND ch.last_id
               WHERE ch.tenant_id = %(t)s AND ch.job_id = %(job)s AND ch.kind = 'created_range'
                 AND c.tenant_id = %(t)s AND c.updated_at > %(at)s)
              +
              (SELECT count(*) FROM {CHANGES} ch
               WHERE ch.tenant_id = %(t)s AND ch.job_id = %(job)s AND ch.kind = 'updated'
                 AND NOT EXISTS (SELECT 1 FROM {CONTACTS} c WHERE c.id = ch.object_id))
            """,
            {"t": tenant_id, "job": job_id, "at": finished_at},
        )
        return int(cursor.fetchone()[0])


def undo(*, tenant_id: int, job_id: int) -> dict[str, int]:
    """Put back the updated rows, delete the created ones (and companies nobody uses).
    Call inside transaction.atomic() after undo_blockers() said 0."""
    columns = [
        f.column
        for f in Contact._meta.concrete_fields
        if f.column not in ("id", "tenant_id", "created_at", "updated_at")
    ]
    assignments = ", ".join(f"{c} = r.{c}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {CONTACTS} AS c SET {assignments}, updated_at = now()
            FROM (
              SELECT (jsonb_populate_record(NULL::{CONTACTS}, ch.before)).*
              FROM {CHANGES} ch
              WHERE ch.tenant_id = %(t)s AND ch.job_id = %(job)s AND ch.kind = 'updated'
            ) AS r
            WHERE c.id = r.id AND c.tenant_id = %(t)s
            """,
            {"t": tenant_id, "job": job_id},
        )
        restored = cursor.rowcount
        cursor.execute(
            f"""
            DELETE FROM {CONTACTS} c USING {CHANGES} ch
            WHERE ch.tenant_id = %(t)s AND ch.job_id = %(job)s AND ch.kind = 'created'
              AND c.id = ch.object_id AND c.tenant_id = %(t)s
            """,
            {"t": tenant_id, "job": job_id},
        )
        deleted = cursor.rowcount
        cursor.execute(
            f"""
            DELETE FROM {CONTACTS} c USING {CHANGES} ch
            WHERE ch.tenant_id = %(t)s AND ch.job_id = %(job)s AND ch.kind = 'created_range'
              AND c.id BETWEEN ch.object_id AND ch.last_id AND c.tenant_id = %(t)s
            """,
            {"t": tenant_id, "job": job_id},
        )
        deleted += cursor.rowcount
        cursor.execute(
            f"""
            DELETE FROM {COMPANIES} co USING {CHANGES} ch
            WHERE ch.tenant_id = %(t)s AND ch.job_id = %(job)s AND ch.kind = 'company_created'
              AND co.id = ch.object_id AND co.tenant_id = %(t)s
              AND NOT EXISTS (SELECT 1 FROM {CONTACTS} c WHERE c.company_id = co.id)
            """,
            {"t": tenant_id, "job": job_id},
        )
    return {"restored": restored, "deleted": deleted}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
