#!/bin/sh
# Runs once, on the first start of an empty data volume (docker-entrypoint-initdb.d), as the
# superuser. Creates one login role and database for the apps (each service then creates its
# own schema in it at boot: assessment, referral, liberation, directory, throughcare), the
# application role they then work as (throughcare_app, under row-level security), and one
# role owning Temporal's two databases (temporal-schema applies their schema afterwards).
#
# Passwords come from the container environment (docker-compose.yml); psql :'var' quotes them
# as literals, so no password is ever spliced into SQL text.
set -eu

: "${THROUGHCARE_DB_PASSWORD:?THROUGHCARE_DB_PASSWORD must be set}"
: "${THROUGHCARE_APP_DB_PASSWORD:?THROUGHCARE_APP_DB_PASSWORD must be set}"
: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD must be set}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="$THROUGHCARE_DB_PASSWORD" \
  -v app_role_password="$THROUGHCARE_APP_DB_PASSWORD" \
  -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE throughcare LOGIN PASSWORD :'app_password';
CREATE DATABASE throughcare OWNER throughcare;
REVOKE ALL ON DATABASE throughcare FROM PUBLIC;
-- The role the apps work as once their migrations have run as `throughcare` (issue 8, row-level
-- security): it owns nothing and cannot bypass policies; each app grants it what it needs at boot.
CREATE ROLE throughcare_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'app_role_password';
GRANT CONNECT ON DATABASE throughcare TO throughcare_app;

CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
REVOKE ALL ON DATABASE temporal FROM PUBLIC;
REVOKE ALL ON DATABASE temporal_visibility FROM PUBLIC;
SQL
