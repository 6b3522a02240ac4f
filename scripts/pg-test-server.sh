#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL server on loopback for the test suite.
#   eval "$(bash scripts/pg-test-server.sh start)"   -> exports AGGREGATOR_TEST_PG_URL
#   bash scripts/pg-test-server.sh stop
# Uses Debian's PostgreSQL binaries (apt-get install postgresql); the data lives in /tmp.
set -euo pipefail
port="${AGGREGATOR_TEST_PG_PORT:-55432}"
data="/tmp/aggregator-test-pg-$port"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "echo 'pg-test-server: PostgreSQL server binaries not found (apt-get install postgresql)' >&2"
  exit 0
fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-start}" in
  start)
    if [ ! -s "$data/PG_VERSION" ]; then
      mkdir -p "$data" && [ "$(id -u)" = 0 ] && chown postgres: "$data"
      as_owner "$bin/initdb" -D "$data" -A trust -U aggregator -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$data" -w -l "$data/server.log" \
        -o "-h 127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null
      echo "export AGGREGATOR_TEST_PG_STARTED=1"   # the caller started it, the caller stops it
    fi
    echo "export AGGREGATOR_TEST_PG_URL=postgresql+psycopg://aggregator@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
