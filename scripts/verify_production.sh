#!/usr/bin/env bash
# Post-deploy check of a docker-compose.prod.yml deployment (DESIGN §8). Every check prints
# PASS or FAIL; a FAIL says what is wrong and how to fix it. Exit 0 only when all pass.
# Needs only docker on the host: the checks that read the database run the api image's own
# nudge-admin inside a running api container, so they work with an external database too.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/compose.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/compose.sh"

LOG_LINES="${VERIFY_LOG_LINES:-300}"
HEARTBEAT_MAX_AGE="${VERIFY_HEARTBEAT_MAX_AGE_SECONDS:-60}"
CHECKS=0
FAILED=0
API=""

usage() {
  cat <<EOF
Usage: scripts/verify_production.sh [--env-file FILE] [--profile NAME]...

Checks the running production deployment (same env file, profiles and DCPROD_PROJECT as
scripts/dcprod.sh):
  services   api, calls, worker, redis (and postgres with with-db) running and healthy
  legacy     no legacy-profile service running
  ready      every api container answers /health/ready
  schema     nudge-admin verify-schema passes for the api, calls and worker roles
  schedulers only worker instances report schedulers enabled (service_heartbeats), and every
             worker does
  logs       no error/fatal lines in the last \$VERIFY_LOG_LINES (default 300) log lines of
             api, calls and worker
  dns        no DNS failures (ENOTFOUND, EAI_AGAIN, db.host.unresolved) in those lines
  redis      maxmemory-policy is noeviction and appendonly is on
Exit status 0 when every check passes, 1 otherwise.
EOF
}

pass() {
  CHECKS=$((CHECKS + 1))
  printf 'PASS  %-10s %s\n' "$1" "$2"
}

# fail CHECK WHAT FIX
fail() {
  CHECKS=$((CHECKS + 1))
  FAILED=$((FAILED + 1))
  printf 'FAIL  %-10s %s\n' "$1" "$2"
  printf '      %-10s fix: %s\n' "" "$3"
}

indent() {
  local line
  while IFS= read -r line; do printf '        %s\n' "${line:0:300}"; done
}

check_services() {
  local services problems
  mapfile -t services < <(expected_services)
  problems="$(health_problems "${services[@]}")"
  if [ -z "$problems" ]; then
    pass services "${services[*]} running and healthy"
    return
  fi
  local line svc
  while IFS= read -r line; do
    svc="${line%%:*}"
    fail services "$line" "read why: scripts/dcprod.sh logs --tail 50 $svc; then scripts/dcprod.sh up"
  done <<<"$problems"
}

check_legacy() {
  local ids id names=()
  ids="$(legacy_containers)"
  if [ -z "$ids" ]; then
    pass legacy "no legacy-profile service running"
    return
  fi
  for id in $ids; do names+=("$(container_name "$id")"); done
  fail legacy "legacy all-in-one service running: ${names[*]} (never part of production)" \
    "scripts/dcprod.sh rm -sf legacy; remove 'legacy' from COMPOSE_PROFILES / --profile"
}

check_ready() {
  local ids id out ok=0
  ids="$(docker ps -q --filter status=running --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=api")"
  if [ -z "$ids" ]; then
    fail ready "no running api container" "scripts/dcprod.sh up; scripts/dcprod.sh logs api says why it stopped"
    return
  fi
  for id in $ids; do
    if out="$(docker exec "$id" node /usr/local/lib/nudge/healthcheck.mjs PORT 3000 --print 2>&1)"; then
      ok=$((ok + 1))
    else
      fail ready "$(container_name "$id") is not ready: ${out:0:400}" \
        "the JSON reasons above name the dependency; scripts/dcprod.sh logs api"
    fi
  done
  [ "$ok" -gt 0 ] && pass ready "$ok api container(s) answer /health/ready with 200"
  return 0
}

check_schema() {
  if [ -z "$API" ]; then
    fail schema "cannot verify: no running api container to run nudge-admin in" "scripts/dcprod.sh up"
    return
  fi
  local role out
  for role in api calls worker; do
    if out="$(docker exec "$API" nudge-admin verify-schema --role "$role" 2>&1)"; then
      pass schema "every column the $role role queries exists"
    else
      local missing
      missing="$(grep '^missing column' <<<"$out" || true)"
      if [ -n "$missing" ]; then
        fail schema "$role role: $(tr '\n' ';' <<<"$missing" | sed 's/;$//')" \
          "scripts/dcprod.sh exec api nudge-admin migrate; if that migration is already recorded as applied, the column was removed by hand: restore it (see packages/db/migrations) or restore the database"
      else
        fail schema "$role role: nudge-admin verify-schema failed: $(tr '\n' ' ' <<<"$out" | cut -c1-300)" \
          "check DATABASE_URL and that the database answers: scripts/dcprod.sh exec api nudge-admin verify-schema"
      fi
    fi
  done
}

check_schedulers() {
  if [ -z "$API" ]; then
    fail schedulers "cannot check: no running api container to run nudge-admin in" "scripts/dcprod.sh up"
    return
  fi
  local out
  if ! out="$(docker exec "$API" nudge-admin instances --max-age-seconds "$HEARTBEAT_MAX_AGE" 2>&1)"; then
    fail schedulers "nudge-admin instances failed: $(tr '\n' ' ' <<<"$out" | cut -c1-300)" \
      "check DATABASE_URL and that the database answers"
    return
  fi
  # {"instance":"…","role":"…","version":"…","schedulersEnabled":true|false,…} → "instance role flag"
  local rows
  rows="$(sed -n 's/^{"instance":"\([^"]*\)","role":"\([^"]*\)",.*"schedulersEnabled":\(true\|false\).*/\1 \2 \3/p' <<<"$out")"
  local instance role enabled workers_on=0 bad=0
  while read -r instance role enabled; do
    [ -n "$instance" ] || continue
    if [ "$role" != worker ] && [ "$enabled" = true ]; then
      bad=$((bad + 1))
      fail schedulers "instance $instance (role $role) reports schedulers enabled; only workers may run them" \
        "set ENABLE_SCHEDULERS=false for $role (docker-compose.prod.yml sets it; look for an override or a container started by hand), and stop any legacy service"
    elif [ "$role" = worker ] && [ "$enabled" = false ]; then
      bad=$((bad + 1))
      fail schedulers "worker instance $instance reports schedulers disabled; it runs no schedules" \
        "run workers with ENABLE_SCHEDULERS=true (as docker-compose.prod.yml does); remove the replica started with false"
    elif [ "$role" = worker ]; then
      workers_on=$((workers_on + 1))
    fi
  done <<<"$rows"
  if [ "$workers_on" -eq 0 ] && [ "$bad" -eq 0 ]; then
    fail schedulers "no worker instance with schedulers enabled has a heartbeat from the last ${HEARTBEAT_MAX_AGE}s" \
      "scripts/dcprod.sh up (the worker service); scripts/dcprod.sh logs worker"
  elif [ "$bad" -eq 0 ]; then
    pass schedulers "schedulers enabled on $workers_on worker instance(s) and on no other instance"
  fi
}

check_logs() {
  local logs errors dns
  if ! logs="$(compose logs --no-color --tail "$LOG_LINES" api calls worker 2>&1)"; then
    fail logs "docker compose logs failed: $(head -c 300 <<<"$logs")" "scripts/dcprod.sh logs api calls worker"
    return
  fi
  errors="$(grep -E '"level":"(error|fatal)"' <<<"$logs" || true)"
  if [ -z "$errors" ]; then
    pass logs "no error-level lines in the last $LOG_LINES lines of api, calls, worker"
  else
    fail logs "$(wc -l <<<"$errors") error-level line(s) in recent logs of api, calls, worker; the latest:" \
      "read the event and msg fields below; scripts/dcprod.sh logs --tail 200 api calls worker"
    tail -n 5 <<<"$errors" | indent
  fi
  dns="$(grep -E 'ENOTFOUND|EAI_AGAIN|db\.host\.unresolved' <<<"$logs" || true)"
  if [ -z "$dns" ]; then
    pass dns "no DNS failures (ENOTFOUND, EAI_AGAIN) in recent logs"
  else
    local hosts
    hosts="$(grep -o '"host":"[^"]*"' <<<"$dns" | sort -u | sed 's/"host":"\(.*\)"/\1/' | tr '\n' ' ')"
    fail dns "host name does not resolve${hosts:+: $hosts}(DATABASE_URL or another URL names a host the containers cannot resolve)" \
      "correct the host in DATABASE_URL in $ENV_FILE (a name the containers resolve; with the with-db profile it is postgres), then scripts/dcprod.sh up"
    tail -n 3 <<<"$dns" | indent
  fi
}

check_redis() {
  local redis policy aof
  redis="$(running_container_of redis)"
  if [ -z "$redis" ]; then
    fail redis "no running redis container" "scripts/dcprod.sh up"
    return
  fi
  policy="$(docker exec "$redis" redis-cli config get maxmemory-policy 2>&1 | sed -n 2p)"
  if [ "$policy" = noeviction ]; then
    pass redis "maxmemory-policy is noeviction"
  else
    fail redis "maxmemory-policy is '${policy:-unknown}': Redis may evict BullMQ's keys and lose escalations" \
      "scripts/dcprod.sh exec redis redis-cli config set maxmemory-policy noeviction, and keep --maxmemory-policy noeviction in docker-compose.prod.yml"
  fi
  aof="$(docker exec "$redis" redis-cli config get appendonly 2>&1 | sed -n 2p)"
  if [ "$aof" = yes ]; then
    pass redis "appendonly is on"
  else
    fail redis "appendonly is '${aof:-unknown}': queued escalations are lost on restart" \
      "scripts/dcprod.sh exec redis redis-cli config set appendonly yes, and keep --appendonly yes in docker-compose.prod.yml"
  fi
}

main() {
  while [ $# -gt 0 ]; do
    case "$1" in
      -h | --help) usage; exit 0 ;;
    esac
    parse_common_option "$@" || { usage >&2; exit 2; }
    shift "$SHIFT_BY"
  done
  setup_compose
  API="$(running_container_of api)"

  check_services
  check_legacy
  check_ready
  check_schema
  check_schedulers
  check_logs
  check_redis

  if [ "$FAILED" -eq 0 ]; then
    echo "verify_production: all $CHECKS checks passed"
  else
    echo "verify_production: $FAILED of $CHECKS checks FAILED"
    exit 1
  fi
}

main "$@"
