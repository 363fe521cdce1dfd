#!/bin/bash
# Stand-in for the official mariadb image's healthcheck.sh. Tests run in order; the first failing one
# fails the check:
#   --connect              a TCP connection to 127.0.0.1:3306 is answered (an access error still counts, as
#                          in the official script); fails while the entrypoint's init-time server runs with
#                          --skip-networking, so it says "initialised and serving"
#   --innodb_initialized   InnoDB is available (queried as the 'healthcheck' user the entrypoint created)
#   --mariadbupgrade, --su-mysql and --defaults-* are accepted (nothing to upgrade here).
set -eo pipefail
cnf=/var/lib/mysql/.my-healthcheck.cnf
opts=()
[ -r "$cnf" ] && opts=(--defaults-extra-file="$cnf")
[ $# -gt 0 ] || set -- --connect
for arg in "$@"; do
  case $arg in
    --connect)
      out=$(mariadb "${opts[@]}" --protocol=tcp -h127.0.0.1 -P3306 --connect-timeout=3 -e 'SELECT 1' 2>&1 || true)
      case $out in *"Can't connect"*|*"Lost connection"*) exit 1 ;; esac ;;
    --innodb_initialized|--innodb-initialized)
      [ "$(mariadb "${opts[@]}" --connect-timeout=3 -N -s -e \
           "SELECT 1 FROM information_schema.ENGINES WHERE engine='innodb' AND support IN ('YES','DEFAULT','ENABLED')")" = 1 ] ;;
    --mariadbupgrade|--su-mysql|--no-defaults|--defaults-*|--datadir=*) ;;
    *) echo "healthcheck.sh: unknown option $arg" >&2; exit 1 ;;
  esac
done
