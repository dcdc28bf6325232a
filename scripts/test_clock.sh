#!/usr/bin/env bash
# `pnpm test:clock`: runs the time-sensitive test files with the clock of every process shifted
# to instants where local-time bugs show: late evening and the small hours in Europe/Berlin, the
# last seconds of a year, and both daylight-saving changes. libfaketime shifts the wall clock by
# a fixed offset (monotonic clocks, and so timers, run true), inherited by every process the
# tests start: jest, the roles, the emulators, chromium, and a private PostgreSQL started here
# under the same offset, so SQL now() and the code's clock agree as in production. Redis keeps
# the true clock (its allocator clashes with libfaketime; BullMQ's scripts take their times from
# the client): a redis-server shim first on PATH drops the preload for every Redis started.
#
# CLOCK_INSTANTS (newline- or comma-separated, "YYYY-MM-DD HH:MM:SS UTC") replaces the instants;
# CLOCK_TESTS (a jest path pattern) replaces the test files. Needs Debian's libfaketime and the
# PostgreSQL and Redis server binaries. Ends with one "N passed, N failed" line (per instant).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# UTC, so that each names its local time without ambiguity.
DEFAULT_INSTANTS=(
  "2026-12-08 22:30:00 UTC" # 23:30 in Berlin: quiet hours begun, tomorrow 30 minutes away
  "2026-12-09 02:00:00 UTC" # 03:00 in Berlin: inside quiet hours, "today" began 3 hours ago
  "2026-12-31 23:59:30 UTC" # the year ends 30 seconds into the run
  "2027-03-28 00:50:00 UTC" # 01:50 in Berlin: clocks jump from 02:00 to 03:00 ten minutes in
  "2027-10-31 00:50:00 UTC" # 02:50 CEST in Berlin: clocks fall back from 03:00 to 02:00 ten minutes in
)
# Files whose outcome depends on the wall clock: quiet hours, local days, cron slots and DST,
# relative times shown to people, and the flows that plan, push and escalate against now().
DEFAULT_TESTS='packages/web/dist/browser/.*\.test|packages/domain/dist/.*\.test|packages/alerts/dist/.*\.test|services/worker/dist/(schedules|jobs|dispatcher|escalation)/.*\.test|services/api/dist/routes/(alerts|rules|admin|meetings)/.*\.test|packages/e2e/dist/(alert-flow|escalation-flow|local-demo)\.test'

# The forced-deadlock test waits for Postgres's deadlock_timeout timer, which does not fire in a
# server under libfaketime; the order of row locks is no wall-clock matter, and `pnpm test` runs it.
IGNORED='services/worker/dist/schedules/lock-order\.test'

if [ -n "${CLOCK_INSTANTS:-}" ]; then
  mapfile -t INSTANTS < <(printf '%s\n' "$CLOCK_INSTANTS" | tr ',' '\n' | sed '/^[[:space:]]*$/d')
else
  INSTANTS=("${DEFAULT_INSTANTS[@]}")
fi
TESTS="${CLOCK_TESTS:-$DEFAULT_TESTS}"

fail() { echo "test:clock: $*" >&2; exit 1; }

FAKETIME_LIB="${FAKETIME_LIB:-}"
if [ -z "$FAKETIME_LIB" ]; then
  for candidate in /usr/lib/*-linux-gnu/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 /usr/local/lib/faketime/libfaketime.so.1; do
    [ -f "$candidate" ] && FAKETIME_LIB="$candidate" && break
  done
fi
[ -n "$FAKETIME_LIB" ] || fail "libfaketime not found: apt-get install libfaketime (or set FAKETIME_LIB)"
PG_BIN="${PG_BIN:-$(pg_config --bindir 2>/dev/null || true)}"
[ -x "$PG_BIN/initdb" ] || PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$PG_BIN/initdb" ] || fail "PostgreSQL server binaries (initdb, pg_ctl) not found: set PG_BIN"
REDIS_SERVER="$(command -v redis-server)" || fail "redis-server not found"

# PostgreSQL refuses to run as root: as root, the private cluster belongs to the postgres user.
as_db_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

WORK=""
PG_DATA=""
REDIS_PID=""
cleanup() {
  [ -n "$PG_DATA" ] && as_db_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true
  [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null || true
  [ -n "$WORK" ] && rm -rf "$WORK"
  PG_DATA="" REDIS_PID="" WORK=""
}
trap cleanup EXIT

failed_instants=()
for instant in "${INSTANTS[@]}"; do
  target=$(date -u -d "$instant" +%s) || fail "not a date: $instant"
  offset=$((target - $(date -u +%s)))
  # Monotonic clocks stay true (timers keep their length); without the monotonic fix's forced
  # re-checks chromium starts in seconds instead of minutes.
  export LD_PRELOAD="$FAKETIME_LIB" FAKETIME="$(printf '%+d' "$offset")" FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_FORCE_MONOTONIC_FIX=0
  printf '\n== test:clock at %s (Europe/Berlin %s), offset %ss\n' "$(date -u -d "@$target" '+%F %T UTC')" "$(TZ=Europe/Berlin date -d "@$target" '+%F %T %Z')" "$offset"

  WORK="$(mktemp -d)"
  chmod 755 "$WORK"
  mkdir -p "$WORK/bin"
  printf '#!/bin/sh\nunset LD_PRELOAD\nexec %s "$@"\n' "$REDIS_SERVER" >"$WORK/bin/redis-server"
  chmod +x "$WORK/bin/redis-server"
  PG_DATA="$WORK/pg"
  mkdir -p "$PG_DATA" && { [ "$(id -u)" != 0 ] || chown postgres: "$PG_DATA"; }
  pg_port=$(free_port)
  redis_port=$(free_port)
  as_db_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust --no-sync >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log"; fail "initdb failed"; }
  as_db_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 30 \
    -o "-p $pg_port -k $PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null \
    || { cat "$PG_DATA/server.log"; fail "the private PostgreSQL did not start"; }
  "$WORK/bin/redis-server" --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" --daemonize no &
  REDIS_PID=$!

  status=0
  PATH="$WORK/bin:$PATH" TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres" TEST_REDIS_URL="redis://127.0.0.1:$redis_port" \
    node --experimental-vm-modules --disable-warning=ExperimentalWarning node_modules/jest/bin/jest.js \
    --testPathPatterns "$TESTS" --testPathIgnorePatterns "$IGNORED" || status=$?
  unset LD_PRELOAD FAKETIME
  [ "$status" = 0 ] || failed_instants+=("$instant")
  cleanup
done

if [ "${#failed_instants[@]}" -gt 0 ]; then
  printf '\ntest:clock: failed at %s\n' "${failed_instants[@]}"
  exit 1
fi
printf '\ntest:clock: every instant passed (%s)\n' "${#INSTANTS[@]}"
