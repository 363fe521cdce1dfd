#!/bin/bash
# Stand-in for the official mariadb image's entrypoint, on Debian's mariadb-server: the first start
# initialises the datadir from MARIADB_* (or MYSQL_*) env: root password (or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD
# / MARIADB_RANDOM_ROOT_PASSWORD), MARIADB_DATABASE, MARIADB_USER/MARIADB_PASSWORD (granted all on that
# database), each also as *_FILE; runs /docker-entrypoint-initdb.d/*.sql, *.sql.gz, *.sh; then mariadbd runs
# as mysql, listening on 3306 on every interface. A 'healthcheck' user for healthcheck.sh is created.
set -eo pipefail

log() { echo "$(date -u '+%F %T') [Note] [Entrypoint]: $*"; }
die() { echo "$(date -u '+%F %T') [ERROR] [Entrypoint]: $*" >&2; exit 1; }

# MARIADB_X, else MYSQL_X, else X_FILE's content, else the default
env_of() { # name [default]
  local m="MARIADB_$1" y="MYSQL_$1" v=
  if [ -n "${!m:-}" ]; then v=${!m}
  elif [ -n "${!y:-}" ]; then v=${!y}
  else
    local mf="MARIADB_$1_FILE" yf="MYSQL_$1_FILE"
    if [ -n "${!mf:-}" ]; then v=$(<"${!mf}"); elif [ -n "${!yf:-}" ]; then v=$(<"${!yf}"); else v=${2:-}; fi
  fi
  printf '%s' "$v"
}

sql_str() { local s=${1//\\/\\\\}; printf "'%s'" "${s//\'/\\\'}"; }   # a quoted SQL string literal
sql_id() { printf '`%s`' "${1//\`/\`\`}"; }                             # a quoted identifier

if [ "${1:0:1}" = '-' ]; then set -- mariadbd "$@"; fi
case ${1:-} in mariadbd|mysqld) ;; *) exec "$@" ;; esac

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock
mkdir -p "$DATADIR" /run/mysqld
as_mysql=()
if [ "$(id -u)" = 0 ]; then
  chown mysql:mysql "$DATADIR" /run/mysqld
  as_mysql=(setpriv --reuid=mysql --regid=mysql --init-groups)
fi

if [ ! -d "$DATADIR/mysql" ]; then
  root_pw=$(env_of ROOT_PASSWORD)
  allow_empty=$(env_of ALLOW_EMPTY_ROOT_PASSWORD)
  [ -n "$allow_empty" ] || allow_empty=$(env_of ALLOW_EMPTY_PASSWORD)
  random=$(env_of RANDOM_ROOT_PASSWORD)
  if [ -z "$root_pw" ] && [ -z "$allow_empty" ] && [ -z "$random" ]; then
    die "Database is uninitialized and password option is not specified
	You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD"
  fi
  if [ -n "$random" ]; then
    root_pw=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || true)
    log "GENERATED ROOT PASSWORD: $root_pw"
  fi
  database=$(env_of DATABASE) user=$(env_of USER) password=$(env_of PASSWORD)
  root_host=$(env_of ROOT_HOST %)
  [ "$user" != root ] || die "MARIADB_USER=root: the root user is configured by MARIADB_ROOT_PASSWORD"
  if [ -n "$user" ] && [ -z "$password" ] && [ -z "$allow_empty" ]; then die "MARIADB_USER is set without MARIADB_PASSWORD"; fi

  log "Initializing database files"
  "${as_mysql[@]}" mariadb-install-db --datadir="$DATADIR" --rpm --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve --default-time-zone=SYSTEM >/dev/null
  log "Starting temporary server"
  "${as_mysql[@]}" "$@" --skip-networking --socket="$SOCKET" --default-time-zone=SYSTEM --wsrep-on=OFF \
    --loose-innodb-buffer-pool-load-at-startup=0 &
  pid=$!
  client=(mariadb --protocol=socket --socket="$SOCKET" -uroot -hlocalhost --database=mysql)
  for _ in $(seq 60); do
    "${client[@]}" -e 'SELECT 1' >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || die "the temporary server did not start"
    sleep 0.5
  done
  "${client[@]}" -e 'SELECT 1' >/dev/null || die "the temporary server does not answer"

  if [ -z "$(env_of INITDB_SKIP_TZINFO)" ] && [ -d /usr/share/zoneinfo ]; then
    mariadb-tzinfo-to-sql --skip-write-binlog /usr/share/zoneinfo 2>/dev/null | "${client[@]}"
  fi
  hc_pw=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || true)
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DROP USER IF EXISTS root@'127.0.0.1', root@'::1';"
    echo "ALTER USER root@localhost IDENTIFIED BY $(sql_str "$root_pw");"
    if [ "$root_host" != localhost ]; then
      echo "CREATE USER root@$(sql_str "$root_host") IDENTIFIED BY $(sql_str "$root_pw");"
      echo "GRANT ALL ON *.* TO root@$(sql_str "$root_host") WITH GRANT OPTION;"
      echo "GRANT PROXY ON ''@'%' TO root@$(sql_str "$root_host") WITH GRANT OPTION;"
    fi
    for h in 127.0.0.1 ::1 localhost; do
      echo "CREATE USER healthcheck@'$h' IDENTIFIED BY $(sql_str "$hc_pw");"
      echo "GRANT USAGE ON *.* TO healthcheck@'$h';"
    done
    [ -z "$database" ] || echo "CREATE DATABASE IF NOT EXISTS $(sql_id "$database");"
    if [ -n "$user" ]; then
      echo "CREATE USER $(sql_str "$user")@'%' IDENTIFIED BY $(sql_str "$password");"
      [ -z "$database" ] || echo "GRANT ALL ON $(sql_id "${database//_/\\_}").* TO $(sql_str "$user")@'%';"
    fi
  } | "${client[@]}"
  printf '[mariadb-client]\nport=3306\nhost=127.0.0.1\nprotocol=tcp\nuser=healthcheck\npassword=%s\n' "$hc_pw" \
    >"$DATADIR/.my-healthcheck.cnf"
  chmod 600 "$DATADIR/.my-healthcheck.cnf"
  [ "$(id -u)" != 0 ] || chown mysql:mysql "$DATADIR/.my-healthcheck.cnf"

  client+=(--password="$root_pw")
  [ -z "$database" ] || client+=(--database="$database")
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sh) log "running $f"; . "$f" ;;
      *.sql) log "running $f"; "${client[@]}" <"$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | "${client[@]}" ;;
      *.sql.xz) log "running $f"; xzcat "$f" | "${client[@]}" ;;
      *.sql.zst) log "running $f"; zstd -dc "$f" | "${client[@]}" ;;
      *) [ -e "$f" ] && log "ignoring $f" ;;
    esac
  done
  log "Stopping temporary server"
  kill "$pid"; wait "$pid" || true
  log "MariaDB init process done. Ready for start up."
fi

exec "${as_mysql[@]}" "$@"
