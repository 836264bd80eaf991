#!/usr/bin/env bash
# A streaming read replica of the local PostgreSQL: a second cluster made with pg_basebackup, in hot standby.
#
#   scripts/replica.sh make   [PORT] [DIR] [PRIMARY_HOST:PORT]   base backup + start (default 5433 var/replica 127.0.0.1:5432)
#   scripts/replica.sh start  [PORT] [DIR]
#   scripts/replica.sh stop   [PORT] [DIR]
#   scripts/replica.sh status [PORT] [DIR]
#   scripts/replica.sh lag    [PORT]        seconds behind (0 = replayed everything received)
#   scripts/replica.sh allow                lets the local primary accept loopback replication connections
#                                           (one pg_hba line, then a configuration reload; no restart)
#
# Runs as the `postgres` OS user (pg_basebackup, pg_ctl). The primary must accept replication connections
# from 127.0.0.1 (pg_hba `host replication all 127.0.0.1/32 …`; .ci/run adds it) and have wal_level=replica
# (PostgreSQL's default). No replication slot: a stopped replica never makes the primary keep WAL; one that
# fell too far behind is made again. Django's side: PORTAL_DB_REPLICA_URL=postgres://…:5433/<db>.
set -euo pipefail
cd "$(dirname "$0")/.."

cmd="${1:-}"; shift || true
port="${1:-5433}"; dir="${2:-var/replica}"; primary="${3:-127.0.0.1:5432}"
[ -n "$cmd" ] || { sed -n '2,15p' "$0"; exit 2; }
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

as_postgres() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
running() { as_postgres "$pgbin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }
setting() { psql -h "${primary%:*}" -p "${primary##*:}" -U postgres -Atc "SHOW $1"; }

start() {
  if running; then echo "replica already running on $port"; return 0; fi
  as_postgres "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/replica.log" -w -t 60 start >/dev/null
  pg_isready -h 127.0.0.1 -p "$port"
}

case "$cmd" in
  make)
    if [ -d "$dir/data" ] && running; then as_postgres "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; fi
    rm -rf "$dir/data"
    [ "$(id -u)" = "0" ] && chown postgres "$dir"
    as_postgres "$pgbin/pg_basebackup" -h "${primary%:*}" -p "${primary##*:}" -U postgres -D "$dir/data" \
      -X stream -R -c fast
    # Debian keeps the server's configuration outside the data directory: the replica gets its own.
    as_postgres tee "$dir/data/postgresql.conf" >/dev/null <<CONF
# written by scripts/replica.sh
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = 30s
wal_receiver_status_interval = 1s
max_connections = $(setting max_connections)
max_worker_processes = $(setting max_worker_processes)
max_wal_senders = $(setting max_wal_senders)
max_prepared_transactions = $(setting max_prepared_transactions)
max_locks_per_transaction = $(setting max_locks_per_transaction)
shared_buffers = 64MB
fsync = $(setting fsync)
timezone = '$(setting timezone)'
log_min_messages = warning
CONF
    as_postgres tee "$dir/data/pg_hba.conf" >/dev/null <<HBA
local all all trust
host all all 127.0.0.1/32 trust
HBA
    start
    ;;
  allow)
    hba="$(psql -h "${primary%:*}" -p "${primary##*:}" -U postgres -Atc 'SHOW hba_file')"
    if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$hba"; then
      echo "host replication all 127.0.0.1/32 trust  # scripts/replica.sh allow" >> "$hba"
      psql -h "${primary%:*}" -p "${primary##*:}" -U postgres -Atc 'SELECT pg_reload_conf()' >/dev/null
      sleep 1
    fi
    ;;
  start) start ;;
  stop)
    if running; then as_postgres "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; fi
    ;;
  status)
    if running; then
      echo "replica running on $port ($dir/data), in recovery: $(psql -h 127.0.0.1 -p "$port" -U postgres -Atc 'select pg_is_in_recovery()')"
    else echo "replica not running ($dir/data)"; exit 1; fi
    ;;
  lag)
    psql -h 127.0.0.1 -p "$port" -U postgres -Atc "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
      ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
    ;;
  *) sed -n '2,15p' "$0"; exit 2 ;;
esac
