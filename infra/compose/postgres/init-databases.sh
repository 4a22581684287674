#!/bin/sh
# Runs once, on the first start of an empty data volume (docker-entrypoint-initdb.d), as the
# superuser. Creates one login role and database for the apps (each service then creates its
# own schema in it at boot: assessment, referral, liberation, directory, throughcare) and one
# role owning Temporal's two databases (temporal-schema applies their schema afterwards).
#
# Passwords come from the container environment (docker-compose.yml); psql :'var' quotes them
# as literals, so no password is ever spliced into SQL text.
set -eu

: "${THROUGHCARE_DB_PASSWORD:?THROUGHCARE_DB_PASSWORD must be set}"
: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD must be set}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="$THROUGHCARE_DB_PASSWORD" \
  -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE throughcare LOGIN PASSWORD :'app_password';
CREATE DATABASE throughcare OWNER throughcare;
REVOKE ALL ON DATABASE throughcare FROM PUBLIC;

CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
REVOKE ALL ON DATABASE temporal FROM PUBLIC;
REVOKE ALL ON DATABASE temporal_visibility FROM PUBLIC;
SQL
