-- The app connects as `crm`: not superuser, no BYPASSRLS, so row-level security binds it.
CREATE ROLE crm LOGIN PASSWORD 'crm' NOSUPERUSER NOBYPASSRLS NOCREATEROLE;
CREATE DATABASE crm OWNER crm;
