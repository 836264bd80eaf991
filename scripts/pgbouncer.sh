#!/usr/bin/env bash
# PgBouncer in transaction mode in front of a PostgreSQL server, with its own config under a folder.
#
#   scripts/pgbouncer.sh start [UPSTREAM_HOST:PORT] [LISTEN_PORT] [DIR]   (default 127.0.0.1:5432 6432 var/pgbouncer)
#   scripts/pgbouncer.sh stop  [DIR]
#   scripts/pgbouncer.sh status [DIR]
#
# Every database name is passed through to the upstream (`* = host=… port=…`), so the test database
# pytest-django creates (test_<name>) is reachable through the pooler too. Authentication: `trust` for a
# loopback-only development/CI pooler; production uses auth_type=scram-sha-256 with an auth_file or
# auth_query (docs/fleet.md). PgBouncer refuses to run as root: started by root, it runs as `postgres`.
# Django's side: PORTAL_DB_POOLER=1 (portal/settings/base.py: no server-side cursors; see docs/fleet.md).
set -euo pipefail
cd "$(dirname "$0")/.."

cmd="${1:-}"; shift || true
case "$cmd" in
  start)
    upstream="${1:-127.0.0.1:5432}"; port="${2:-6432}"; dir="${3:-var/pgbouncer}"
    ;;
  stop|status)
    dir="${1:-var/pgbouncer}"
    ;;
  *)
    sed -n '2,12p' "$0"; exit 2
    ;;
esac
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
pidfile="$dir/pgbouncer.pid"
bin="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "$cmd" in
  status)
    if running; then echo "pgbouncer running (pid $(cat "$pidfile"), $dir)"; else echo "pgbouncer not running ($dir)"; exit 1; fi
    ;;
  stop)
    if running; then
      pid="$(cat "$pidfile")"
      kill -INT "$pid"  # immediate shutdown
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
    ;;
  start)
    if running; then echo "pgbouncer already running (pid $(cat "$pidfile"))"; exit 0; fi
    host="${upstream%:*}"; uport="${upstream##*:}"
    cat > "$dir/pgbouncer.ini" <<INI
; written by scripts/pgbouncer.sh
[databases]
* = host=$host port=$uport

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = postgres
stats_users = postgres
pool_mode = transaction
max_client_conn = ${PGBOUNCER_MAX_CLIENT_CONN:-1000}
default_pool_size = ${PGBOUNCER_POOL_SIZE:-20}
reserve_pool_size = 5
max_db_connections = ${PGBOUNCER_MAX_DB_CONNECTIONS:-80}
server_reset_query = DISCARD ALL
server_check_query = select 1
server_lifetime = 3600
server_idle_timeout = 60
query_wait_timeout = 120
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $pidfile
INI
    echo '"postgres" ""' > "$dir/userlist.txt"
    as=()
    if [ "$(id -u)" = "0" ]; then
      chown -R postgres "$dir"
      as=(-u postgres)
    fi
    "$bin" -d "${as[@]}" "$dir/pgbouncer.ini"
    for _ in $(seq 50); do
      pg_isready -q -h 127.0.0.1 -p "$port" && break
      sleep 0.1
    done
    pg_isready -h 127.0.0.1 -p "$port"
    ;;
esac
