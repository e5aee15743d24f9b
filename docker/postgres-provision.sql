-- Superuser-only setup: the same statements as crm/pg_provision.py (a test keeps the two
-- equal). The postgres image runs this once, at initdb, after 10-crm.sql has created the
-- `crm` database; on managed PostgreSQL a DBA (or the provider's admin role, where it may
-- alter pg_catalog functions) runs it in template1 and in the app's database.
--
-- tsvector @@ tsquery must be LEAKPROOF for the contact search GIN index to be used under
-- row-level security: docs/search.md, "Why LEAKPROOF is safe here".
\connect template1
ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;
\connect crm
ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;
