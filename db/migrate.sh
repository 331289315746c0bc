#!/usr/bin/env bash
# Applies db/migrations/V*.sql once each, in order, recording them in schema_history.
# usage: db/migrate.sh MARIADB_CLIENT_ARGS...   (e.g. --socket=/path/mysqld.sock -uroot, or -h HOST -u USER)
# Used by ./tinyim (local stacks) and by the migration Job on Kubernetes (image built from db/Dockerfile).
set -euo pipefail
MIGRATIONS="${TINYIM_MIGRATIONS:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/migrations}"
DATABASE="${TINYIM_DATABASE:-tinyim}"
sql() { mariadb "$@" "$DATABASE"; }

sql "$@" -e "CREATE TABLE IF NOT EXISTS schema_history (
    version VARCHAR(100) NOT NULL PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
for file in "$MIGRATIONS"/V*.sql; do
  version="$(basename "$file" .sql)"
  if [[ -z "$(sql "$@" -N -e "SELECT 1 FROM schema_history WHERE version = '$version'")" ]]; then
    echo "migration $version"
    sql "$@" < "$file"
    sql "$@" -e "INSERT INTO schema_history(version) VALUES ('$version')"
  fi
done
