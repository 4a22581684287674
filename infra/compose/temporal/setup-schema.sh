#!/bin/sh
# One-shot schema job for Temporal's two Postgres databases (service temporal-schema, image
# temporalio/admin-tools). The databases and their owner role exist already
# (infra/compose/postgres/init-databases.sh); this stamps the version table and applies every
# versioned migration newer than the stored version.
#
# Safe to re-run on every `docker compose up`: `setup-schema -v 0.0` on an already-stamped
# database does not reset it (that would need --overwrite), and `update-schema` applies only
# what is missing. This is also how a Temporal image upgrade migrates a kept volume.
#
# Connection from the environment: SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD.
set -eu

echo "waiting for Postgres at ${SQL_HOST}:${SQL_PORT}"
attempt=0
until nc -z "$SQL_HOST" "$SQL_PORT"; do
  attempt=$((attempt + 1))
  [ "$attempt" -lt 60 ] || { echo "Postgres not reachable" >&2; exit 1; }
  sleep 1
done

schema_root=/etc/temporal/schema/postgresql/v12
for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  dir=${pair#*:}
  echo "schema for database ${db}"
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "${schema_root}/${dir}/versioned"
done
echo "Temporal schema is up to date"
