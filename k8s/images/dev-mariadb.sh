#!/bin/bash
# MariaDB for docker-compose.yml (image Dockerfile.dev-infra): initialises /var/lib/mysql on first start from the
# official image's variables, then runs mariadbd in the foreground; extra arguments go to mariadbd.
#   primary: MARIADB_DATABASE, MARIADB_USER, MARIADB_PASSWORD, MARIADB_ROOT_PASSWORD,
#            MARIADB_REPLICATION_USER, MARIADB_REPLICATION_PASSWORD
#   replica: the same plus MARIADB_MASTER_HOST (GTID replication from it, started here)
set -euo pipefail
DATA=/var/lib/mysql
if [[ ! -d "$DATA/mysql" ]]; then
  mariadb-install-db --user=mysql --datadir="$DATA" --skip-test-db --auth-root-authentication-method=socket >/dev/null
  mariadbd --user=mysql --datadir="$DATA" --skip-networking --socket=/run/mysqld/init.sock "$@" &
  pid=$!
  for _ in $(seq 1 60); do mariadb --socket=/run/mysqld/init.sock -uroot -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.5; done
  sql() { mariadb --socket=/run/mysqld/init.sock -uroot "$@"; }
  if [[ -n "${MARIADB_MASTER_HOST:-}" ]]; then
    for _ in $(seq 1 120); do
      MYSQL_PWD="$MARIADB_REPLICATION_PASSWORD" mariadb -h "$MARIADB_MASTER_HOST" -u "$MARIADB_REPLICATION_USER" -e 'SELECT 1' >/dev/null 2>&1 && break
      sleep 1
    done
    sql -e "CHANGE MASTER TO MASTER_HOST='$MARIADB_MASTER_HOST', MASTER_USER='$MARIADB_REPLICATION_USER',
      MASTER_PASSWORD='$MARIADB_REPLICATION_PASSWORD', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;"
  else
    sql -e "CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE:?}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
      CREATE USER '${MARIADB_USER:?}'@'%' IDENTIFIED BY '${MARIADB_PASSWORD:?}';
      GRANT ALL PRIVILEGES ON \`$MARIADB_DATABASE\`.* TO '$MARIADB_USER'@'%';
      GRANT SLAVE MONITOR ON *.* TO '$MARIADB_USER'@'%';
      CREATE USER '${MARIADB_REPLICATION_USER:?}'@'%' IDENTIFIED BY '${MARIADB_REPLICATION_PASSWORD:?}';
      GRANT REPLICATION SLAVE ON *.* TO '$MARIADB_REPLICATION_USER'@'%';"
  fi
  [[ -n "${MARIADB_ROOT_PASSWORD:-}" ]] && sql -e "CREATE USER 'root'@'%' IDENTIFIED BY '$MARIADB_ROOT_PASSWORD';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;"
  kill "$pid"; wait "$pid" || true
fi
# a configured replica starts replicating by itself when mariadbd starts
exec mariadbd --user=mysql --datadir="$DATA" --bind-address=0.0.0.0 --port=3306 "$@"
