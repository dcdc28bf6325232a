#!/usr/bin/env bash
# Post-deploy check of a docker-compose.prod.yml deployment (DESIGN §8). Every check prints
# PASS or FAIL; a FAIL says what is wrong and how to fix it. Exit 0 only when all pass.
# Needs only docker on the host: the checks that read the database run the api image's own
# nudge-admin inside a running api container, so they work with an external database too.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/compose.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/compose.sh"

# The logs check reads each container's logs since its current start, or since this (e.g. 10m,
# or an RFC 3339 time) when set; after an outage the roles recover without a restart, and
# --since 5m then judges only the minutes after it.
LOGS_SINCE="${VERIFY_LOGS_SINCE:-}"
HEARTBEAT_MAX_AGE="${VERIFY_HEARTBEAT_MAX_AGE_SECONDS:-60}"
CHECKS=0
FAILED=0
API=""

usage() {
  cat <<EOF
Usage: scripts/verify_production.sh [--env-file FILE] [--profile NAME]... [-f FILE]... [--since WINDOW]

Checks the running production deployment (same env file, profiles, compose files (-f) and
DCPROD_PROJECT as scripts/dcprod.sh). Every check runs and the summary always prints:
  config     the compose files load with the env file
  services   api, calls, worker, redis (and postgres with with-db) running and healthy
  legacy     no legacy-profile service running
  ready      every api container answers /health/ready
  schema     nudge-admin verify-schema passes for the api, calls and worker roles
  schedulers only worker instances report schedulers enabled (service_heartbeats), and every
             worker does
  logs       no error/fatal lines in the logs of each api, calls and worker container since it
             last started, or within --since WINDOW (e.g. 10m; or VERIFY_LOGS_SINCE); a FAIL
             names the container and shows its latest error lines
  dns        no DNS failures (ENOTFOUND, EAI_AGAIN, db.host.unresolved) in those logs
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

# run_check NAME: runs check_NAME; a check that stops on an unexpected error is reported as a
# FAIL of its own, and the next check still runs.
run_check() {
  local name="$1" failed_before="$FAILED" rc=0
  "check_$name" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$FAILED" -eq "$failed_before" ]; then
    fail "$name" "the check itself stopped with status $rc" "run scripts/verify_production.sh again; the output above says what it was reading"
  fi
  return 0
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

check_config() {
  local out
  if out="$(compose config -q 2>&1)"; then
    pass config "the compose files load with $(basename "$ENV_FILE"): ${COMPOSE_FILES[*]##*/}"
  else
    fail config "docker compose config fails: $(tr '\n' ' ' <<<"$out" | cut -c1-300)" \
      "correct $ENV_FILE or the compose file it names, then scripts/dcprod.sh up"
  fi
}

# The roles' containers with the window each one's logs are judged in.
role_containers() {
  local svc id
  for svc in api calls worker; do
    for id in $(containers_of "$svc"); do echo "$id"; done
  done
}

check_logs() {
  local ids id name since logs errors dns window bad_logs=0 bad_dns=0 hosts
  ids="$(role_containers)"
  if [ -z "$ids" ]; then
    fail logs "no api, calls or worker container to read logs from" "scripts/dcprod.sh up"
    return
  fi
  for id in $ids; do
    name="$(container_name "$id")"
    if [ -n "$LOGS_SINCE" ]; then
      since="$LOGS_SINCE"
      window="in the last $LOGS_SINCE"
    else
      since="$(docker inspect -f '{{.State.StartedAt}}' "$id" 2>/dev/null || true)"
      window="since it started at ${since%.*}"
    fi
    if ! logs="$(docker logs ${since:+--since "$since"} "$id" 2>&1)"; then
      bad_logs=$((bad_logs + 1))
      fail logs "$name: docker logs failed: $(head -c 300 <<<"$logs")" "scripts/dcprod.sh logs --tail 50"
      continue
    fi
    errors="$(grep -E '"level":"(error|fatal)"' <<<"$logs" || true)"
    if [ -n "$errors" ]; then
      bad_logs=$((bad_logs + 1))
      fail logs "$name: $(grep -c . <<<"$errors") error-level line(s) $window; the latest:" \
        "read the event and msg fields below; docker logs --tail 200 $name"
      tail -n 3 <<<"$errors" | indent
    fi
    dns="$(grep -E 'ENOTFOUND|EAI_AGAIN|db\.host\.unresolved' <<<"$logs" || true)"
    if [ -n "$dns" ]; then
      bad_dns=$((bad_dns + 1))
      # Not every DNS error names the host in a "host" field (getaddrinfo ENOTFOUND NAME does not).
      hosts="$({ grep -o '"host":"[^"]*"' <<<"$dns" || true; } | sed 's/"host":"\(.*\)"/\1/')"
      hosts="$(printf '%s\n%s\n' "$hosts" "$({ grep -oE '(ENOTFOUND|EAI_AGAIN) [A-Za-z0-9._-]+' <<<"$dns" || true; } | sed 's/^[A-Z_]* //')" \
        | grep -v '^$' | sort -u | tr '\n' ' ' || true)"
      fail dns "$name: host name does not resolve${hosts:+: $hosts}(DATABASE_URL or another URL names a host the containers cannot resolve)" \
        "correct the host in DATABASE_URL in $ENV_FILE (a name the containers resolve; with the with-db profile it is postgres), then scripts/dcprod.sh up"
      tail -n 2 <<<"$dns" | indent
    fi
  done
  local scope="since each container started"
  [ -n "$LOGS_SINCE" ] && scope="in the last $LOGS_SINCE"
  if [ "$bad_logs" -eq 0 ]; then pass logs "no error-level lines $scope (api, calls, worker)"; fi
  if [ "$bad_dns" -eq 0 ]; then pass dns "no DNS failures (ENOTFOUND, EAI_AGAIN) $scope"; fi
  return 0
}

check_redis() {
  local redis policy aof
  redis="$(running_container_of redis)"
  if [ -z "$redis" ]; then
    fail redis "no running redis container" "scripts/dcprod.sh up"
    return
  fi
  policy="$(docker exec "$redis" redis-cli config get maxmemory-policy 2>&1 | sed -n 2p || true)"
  if [ "$policy" = noeviction ]; then
    pass redis "maxmemory-policy is noeviction"
  else
    fail redis "maxmemory-policy is '${policy:-unknown}': Redis may evict BullMQ's keys and lose escalations" \
      "scripts/dcprod.sh exec redis redis-cli config set maxmemory-policy noeviction, and keep --maxmemory-policy noeviction in docker-compose.prod.yml"
  fi
  aof="$(docker exec "$redis" redis-cli config get appendonly 2>&1 | sed -n 2p || true)"
  if [ "$aof" = yes ]; then
    pass redis "appendonly is on"
  else
    fail redis "appendonly is '${aof:-unknown}': queued escalations are lost on restart" \
      "scripts/dcprod.sh exec redis redis-cli config set appendonly yes, and keep --appendonly yes in docker-compose.prod.yml"
  fi
}

# --since WINDOW, besides the options parse_options reads for every script.
parse_script_option() { option_value --since "a window such as 10m" "$@" && LOGS_SINCE="$OPTION_VALUE"; }

main() {
  parse_only_options "$@"
  setup_compose
  API="$(running_container_of api || true)"

  local check
  for check in config services legacy ready schema schedulers logs redis; do run_check "$check"; done

  if [ "$FAILED" -eq 0 ]; then
    echo "verify_production: all $CHECKS checks passed"
  else
    echo "verify_production: $FAILED of $CHECKS checks FAILED"
    exit 1
  fi
}

main "$@"
