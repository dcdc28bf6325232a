#!/usr/bin/env bash
# Runs Nudge's production compose file (docker-compose.prod.yml, then docker-compose.override.yml
# when present, then each -f FILE) with its env file. `up` first checks the new configuration in
# the new images and refuses to deploy one a role would not start with; after `up` it waits until
# every expected service is healthy and stops at the first container that crashes or turns
# unhealthy: a deploy that leaves a role unhealthy, or the legacy all-in-one service running,
# fails here instead of later.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/compose.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/compose.sh"
WAIT_SECONDS="${DCPROD_WAIT_SECONDS:-180}"
LOG_TAIL="${DCPROD_LOG_TAIL:-20}"
# Every profile in the compose file: `down` includes them so nothing is left behind.
ALL_PROFILES=(with-db legacy)
ROLES=(api calls worker)
# Restart counts when the wait began: a container restarted since then has crashed.
declare -A RESTARTS=()

usage() {
  cat <<EOF
Usage: scripts/dcprod.sh [--env-file FILE] [--profile NAME]... [-f FILE]... COMMAND [ARGS...]

Runs docker compose -p $PROJECT -f docker-compose.prod.yml [-f docker-compose.override.yml]
[-f FILE]... --env-file FILE COMMAND ARGS.

Commands:
  up [ARGS]        check the configuration first: the compose files must load, and each role
                   (api, calls, worker) runs its own config check in its new image with its new
                   environment (docker compose run --rm --no-deps ROLE node dist/check-config.js);
                   if one fails, nothing is replaced and up exits 1 naming every bad variable.
                   Then start or update (always detached) and wait until api, calls, worker and
                   redis (and postgres with the with-db profile) are healthy; fails at once when
                   a container exits, restarts or turns unhealthy (with its last log lines), when
                   one is still not healthy after DCPROD_WAIT_SECONDS, or if a legacy service runs.
                   With with-db, postgres is started and healthy before the roles.
                   e.g. up --scale worker=3 --scale api=2
  check-config     only the configuration check of up
  down [ARGS]      stop and remove every service, whatever its profile (volumes are kept
                   unless you add -v)
  build [ARGS]     build the images (nudge-api, nudge-calls, nudge-worker)
  ps | logs | exec | restart | pull [ARGS]
                   as docker compose (exec adds -T when there is no terminal)
  anything else    passed to docker compose unchanged

Options:
  --env-file FILE  env file (default: .env.prod next to docker-compose.prod.yml; or DCPROD_ENV_FILE)
  --profile NAME   compose profile, repeatable (or COMPOSE_PROFILES=with-db)
  -f, --file FILE  one more compose file, repeatable, read after docker-compose.prod.yml and
                   docker-compose.override.yml (when that exists next to it); later files win.
                   Give verify_production.sh the same files.
  -h, --help       this help

Environment:
  DCPROD_WAIT_SECONDS  how long up waits for health (default 180)
  DCPROD_LOG_TAIL      log lines shown of a container that failed (default 20)
  DCPROD_PROJECT       compose project name (default nudge)
  DCPROD_COMPOSE       compose command, e.g. "docker-compose" (default: docker compose if
                       available, else docker-compose)
EOF
}

report_legacy() {
  local ids id
  ids="$(legacy_containers)"
  [ -z "$ids" ] && return 0
  for id in $ids; do
    echo "dcprod: FAIL legacy service running: $(container_name "$id") (profile legacy is never part of production)" >&2
  done
  echo "dcprod: fix: scripts/dcprod.sh rm -sf legacy, and remove 'legacy' from COMPOSE_PROFILES / --profile" >&2
  return 1
}

# explain CONTAINER_ID...: its state, last health probe and last log lines.
explain() {
  local id state probe
  for id in "$@"; do
    state="$(container_state "$id")"
    echo "--- $(container_name "$id") (${state% none}, restarted $(restart_count "$id") time(s))" >&2
    probe="$(last_probe_output "$id")"
    if [ -n "$probe" ]; then echo "    last health probe: $probe" >&2; fi
    docker logs --tail "$LOG_TAIL" "$id" 2>&1 | cut -c1-400 | sed 's/^/    log: /' >&2
  done
  echo "dcprod: fix the cause above (often DATABASE_URL or a missing secret in $ENV_FILE), then run scripts/dcprod.sh up again; scripts/verify_production.sh gives details" >&2
}

not_healthy_containers() {
  local svc id
  for svc in "$@"; do
    for id in $(containers_of "$svc"); do
      case "$(container_state "$id")" in "running healthy" | "running none") ;; *) echo "$id" ;; esac
    done
  done
}

# The containers of the listed services that failed for good: exited, dead, restarting or
# unhealthy, or restarted by the engine since the wait began (a crash loop between two polls).
# With ONLY_NEW=1, only containers created since then: while compose recreates a service, the
# container it replaces is briefly seen stopped.
crashed_containers() {
  local svc id state
  for svc in "$@"; do
    for id in $(containers_of "$svc"); do
      if [ "${ONLY_NEW:-0}" = 1 ] && [ -n "${RESTARTS[$id]+known}" ]; then continue; fi
      state="$(container_state "$id")"
      case "$state" in
        restarting\ * | exited\ * | dead\ * | *\ unhealthy) echo "$id" ;;
        *) if [ "$(restart_count "$id")" -gt "${RESTARTS[$id]:-0}" ]; then echo "$id"; fi ;;
      esac
    done
  done
  return 0
}

remember_restarts() {
  local svc id
  RESTARTS=()
  for svc in "$@"; do
    for id in $(containers_of "$svc"); do RESTARTS[$id]="$(restart_count "$id")"; done
  done
  return 0
}

# Waits until every listed service is healthy; stops at the first crashed or unhealthy
# container, or when the deadline passes.
wait_healthy() {
  local deadline=$((SECONDS + WAIT_SECONDS)) problems crashed next_report=$((SECONDS + 15))
  while :; do
    problems="$(health_problems "$@")"
    [ -z "$problems" ] && return 0
    crashed="$(crashed_containers "$@")"
    if [ -n "$crashed" ]; then
      echo "dcprod: FAIL a container crashed or is unhealthy after ${SECONDS}s; not waiting for the rest:" >&2
      printf '  %s\n' "${problems//$'\n'/$'\n'  }" >&2
      # shellcheck disable=SC2086  # one id per word
      explain $crashed
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "dcprod: FAIL not healthy after ${WAIT_SECONDS}s:" >&2
      printf '  %s\n' "${problems//$'\n'/$'\n'  }" >&2
      # shellcheck disable=SC2046  # one id per word
      explain $(not_healthy_containers "$@")
      return 1
    fi
    if [ "$SECONDS" -ge "$next_report" ]; then
      echo "dcprod: waiting for health: $(tr '\n' ';' <<<"$problems")" >&2
      next_report=$((SECONDS + 15))
    fi
    sleep 2
  done
}

# Before anything is replaced: the compose files must load with the env file, and each role's
# new image must accept its new environment. Every failing role and variable is named.
check_config() {
  local out role rc failed=() problems
  base_command
  if ! out="$("${BASE[@]}" config -q 2>&1)"; then
    echo "dcprod: FAIL the compose files do not load with $ENV_FILE; nothing was changed:" >&2
    sed 's/^/  /' <<<"$out" >&2
    return 1
  fi
  for role in "${ROLES[@]}"; do
    rc=0
    out="$("${BASE[@]}" run --rm --no-deps -T "$role" node dist/check-config.js 2>&1)" || rc=$?
    [ "$rc" -eq 0 ] && continue
    failed+=("$role")
    problems="$(grep '^check-config:' <<<"$out" || true)"
    echo "dcprod: FAIL $role would not start with this configuration (check-config exit $rc):" >&2
    if [ -n "$problems" ]; then
      sed 's/^check-config: /  /' <<<"$problems" >&2
    else
      tail -n 20 <<<"$out" | sed 's/^/  /' >&2
    fi
  done
  if [ "${#failed[@]}" -gt 0 ]; then
    echo "dcprod: refusing to deploy: ${failed[*]} would not start; the running containers were not touched. Fix $ENV_FILE, then run scripts/dcprod.sh up again" >&2
    return 1
  fi
  echo "dcprod: configuration checked: ${ROLES[*]} accept it"
}

# up_until_crash SERVICE... -- UP_ARGS...: docker compose up -d, stopped early (status 1) when a
# container it created crashes or turns unhealthy, or after DCPROD_WAIT_SECONDS.
up_until_crash() {
  local services=() pid crashed deadline=$((SECONDS + WAIT_SECONDS)) rc=0
  while [ $# -gt 0 ] && [ "$1" != -- ]; do services+=("$1"); shift; done
  shift
  "${BASE[@]}" up -d "$@" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    crashed="$(ONLY_NEW=1 crashed_containers "${services[@]}")"
    if [ -n "$crashed" ] || [ "$SECONDS" -ge "$deadline" ]; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 1
    fi
    sleep 1
  done
  wait "$pid" || rc=$?
  return "$rc"
}

cmd_up() {
  local args=() a
  for a in "$@"; do
    case "$a" in -d | --detach) ;; *) args+=("$a") ;; esac
  done
  check_config || exit 1
  if profile_active with-db; then
    # The roles resolve and connect to the database at start; give them one that answers.
    remember_restarts postgres
    compose up -d postgres
    wait_healthy postgres || exit 1
  fi
  local rc=0 services
  mapfile -t services < <(expected_services)
  remember_restarts "${services[@]}"
  # compose itself waits for a healthy api before starting calls and worker; bound that too,
  # and stop it as soon as a container it started crashes.
  base_command
  up_until_crash "${services[@]}" -- "${args[@]}" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "dcprod: 'up' exited with status $rc; checking what is not healthy" >&2
  fi
  report_legacy || exit 1
  wait_healthy "${services[@]}" || exit 1
  report_legacy || exit 1
  echo "dcprod: healthy: ${services[*]}"
}

# `help` as the command is --help; the options are those parse_options reads for every script.
parse_script_option() {
  [ "$1" = help ] || return 1
  usage
  exit 0
}

main() {
  parse_options "$@"
  shift "$OPTIONS_TAKEN"
  [ $# -gt 0 ] || { usage >&2; exit 2; }
  setup_compose

  local command="$1"
  shift
  case "$command" in
    up) cmd_up "$@" ;;
    check-config) check_config ;;
    down)
      PROFILES=("${ALL_PROFILES[@]}")
      compose down --remove-orphans "$@"
      ;;
    exec)
      if [ -t 0 ] && [ -t 1 ]; then compose exec "$@"; else compose exec -T "$@"; fi
      ;;
    *) compose "$command" "$@" ;;
  esac
}

main "$@"
