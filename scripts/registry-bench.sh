#!/usr/bin/env bash
# make bench-registry: load benchmark of the registry on loopback (a benchmark, not a test).
#
#   1. throughput: CLIENTS (128) uploaders sending pre-signed certificates as fast as they can
#      for THROUGHPUT_SECONDS (30) to a registry on SQLite: certificates/s verified and
#      committed, p50/p99 latency;
#   2. soak: 200 uploaders at 10 certificates/s each for 60 s; the registry is killed
#      (SIGKILL) after 30 s and restarted on the same port; the uploaders retry; afterwards
#      every acknowledged certificate must be in the registry with a receipt that verifies,
#      and the log audit must pass.
# Targets on the 2-core reference machine: >= 2000 certificates/s on SQLite; 0 lost.
# SOAK_SECONDS=0 runs the throughput phase only.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
CLIENTS=${CLIENTS:-128}
THROUGHPUT_SECONDS=${THROUGHPUT_SECONDS:-30}
SOAK_CLIENTS=${SOAK_CLIENTS:-200}
SOAK_SECONDS=${SOAK_SECONDS:-60}
DB_KIND=${DB_KIND:-sqlite}   # sqlite, or postgres with BENCH_PG_URL=postgres://…

$CARGO build --release -q -p ardoise-registry --bin ardoise-registry --example registry_load
BIN=target/release/ardoise-registry
LOAD=target/release/examples/registry_load
WORK=$(mktemp -d /tmp/ardoise-bench.XXXXXX)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
TOKEN=bench-admin-token-$RANDOM$RANDOM
echo "$TOKEN" > "$WORK/token"

db_url() {
  if [ "$DB_KIND" = postgres ]; then echo "${BENCH_PG_URL:?set BENCH_PG_URL}"; else echo "sqlite:$WORK/$1.db"; fi
}

# start_server NAME LISTEN: starts the registry, sets SERVER_PID and URL.
start_server() {
  local fifo="$WORK/out.$RANDOM"
  mkfifo "$fifo"
  ARDOISE_LOG=warn "$BIN" serve --listen "$2" --db "$(db_url "$1")" --key-file "$WORK/$1.key" \
    --admin-token-file "$WORK/token" --station-rate 1000000 --station-burst 1000000 \
    --audit-interval 0 >"$fifo" 2>>"$WORK/server.log" &
  SERVER_PID=$!
  read -r line <"$fifo"
  URL=${line#listening on }
  rm -f "$fifo"
}

echo "== throughput: $CLIENTS clients, $THROUGHPUT_SECONDS s, $DB_KIND"
start_server tput 127.0.0.1:0
"$LOAD" --url "$URL" --admin-token "$TOKEN" --clients "$CLIENTS" \
  --duration "$THROUGHPUT_SECONDS" --certs-per-client $(( 4000 * THROUGHPUT_SECONDS / CLIENTS + 10 )) --seed 1
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=

[ "$SOAK_SECONDS" -gt 0 ] || exit 0
echo
echo "== soak: $SOAK_CLIENTS clients at 10/s each for $SOAK_SECONDS s, registry killed (SIGKILL) and restarted at $(( SOAK_SECONDS / 2 )) s"
start_server soak 127.0.0.1:0
LISTEN=${URL#http://}
"$LOAD" --url "$URL" --admin-token "$TOKEN" --clients "$SOAK_CLIENTS" --duration "$SOAK_SECONDS" \
  --rate-per-client 10 --certs-per-client $(( 10 * SOAK_SECONDS + 10 )) --seed 2 &
LOAD_PID=$!
# The load generator signs its certificates before it starts the clock: wait for traffic.
for _ in $(seq 1 600); do
  n=$(curl -s "$URL/api/v1/health" 2>/dev/null | sed -n 's/.*"log_size":\([0-9]*\).*/\1/p')
  [ -n "$n" ] && [ "$n" -gt 0 ] && break
  sleep 0.2
done
sleep $(( SOAK_SECONDS / 2 ))
echo "-- kill -9 registry (pid $SERVER_PID)"
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
start_server soak "$LISTEN"
echo "-- restarted on $URL"
wait "$LOAD_PID"
echo "bench-registry: done"
