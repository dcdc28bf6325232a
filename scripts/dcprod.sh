#!/usr/bin/env bash
# Runs Nudge's production compose file (docker-compose.prod.yml) with its env file, and after
# `up` waits until every expected service is healthy: a deploy that leaves a role unhealthy, or
# the legacy all-in-one service running, fails here instead of later.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/compose.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/compose.sh"
WAIT_SECONDS="${DCPROD_WAIT_SECONDS:-180}"
# Every profile in the compose file: `down` includes them so nothing is left behind.
ALL_PROFILES=(with-db legacy)

usage() {
  cat <<EOF
Usage: scripts/dcprod.sh [--env-file FILE] [--profile NAME]... COMMAND [ARGS...]

Runs docker compose -p $PROJECT -f docker-compose.prod.yml --env-file FILE COMMAND ARGS.

Commands:
  up [ARGS]        start or update (always detached), then wait until api, calls, worker and
                   redis (and postgres with the with-db profile) are healthy; fails if one is
                   missing or unhealthy after DCPROD_WAIT_SECONDS, or if a legacy service runs.
                   With with-db, postgres is started and healthy before the roles.
                   e.g. up --scale worker=3 --scale api=2
  down [ARGS]      stop and remove every service, whatever its profile (volumes are kept
                   unless you add -v)
  build [ARGS]     build the images (nudge-api, nudge-calls, nudge-worker)
  ps | logs | exec | restart | pull [ARGS]
                   as docker compose (exec adds -T when there is no terminal)
  anything else    passed to docker compose unchanged

Options:
  --env-file FILE  env file (default: .env.prod next to docker-compose.prod.yml; or DCPROD_ENV_FILE)
  --profile NAME   compose profile, repeatable (or COMPOSE_PROFILES=with-db)
  -h, --help       this help

Environment:
  DCPROD_WAIT_SECONDS  how long up waits for health (default 180)
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

explain_unhealthy() {
  local svc id state
  for svc in "$@"; do
    for id in $(containers_of "$svc"); do
      state="$(container_state "$id")"
      case "$state" in "running healthy" | "running none") continue ;; esac
      echo "--- $(container_name "$id") ($state)" >&2
      local probe
      probe="$(last_probe_output "$id")"
      [ -n "$probe" ] && echo "    last health probe: $probe" >&2
      docker logs --tail 5 "$id" 2>&1 | cut -c1-400 | sed 's/^/    log: /' >&2
    done
  done
  echo "dcprod: fix the cause above (often DATABASE_URL or a missing secret in $ENV_FILE), then run scripts/dcprod.sh up again; scripts/verify_production.sh gives details" >&2
}

# Waits until every listed service is healthy or the deadline passes.
wait_healthy() {
  local deadline=$((SECONDS + WAIT_SECONDS)) problems next_report=$((SECONDS + 15))
  while :; do
    problems="$(health_problems "$@")"
    [ -z "$problems" ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "dcprod: FAIL not healthy after ${WAIT_SECONDS}s:" >&2
      printf '  %s\n' "${problems//$'\n'/$'\n'  }" >&2
      explain_unhealthy "$@"
      return 1
    fi
    if [ "$SECONDS" -ge "$next_report" ]; then
      echo "dcprod: waiting for health: $(tr '\n' ';' <<<"$problems")" >&2
      next_report=$((SECONDS + 15))
    fi
    sleep 2
  done
}

cmd_up() {
  local args=() a
  for a in "$@"; do
    case "$a" in -d | --detach) ;; *) args+=("$a") ;; esac
  done
  if profile_active with-db; then
    # The roles resolve and connect to the database at start; give them one that answers.
    compose up -d postgres
    wait_healthy postgres || exit 1
  fi
  local rc=0
  # compose itself waits for a healthy api before starting calls and worker; bound that too.
  base_command
  timeout "$WAIT_SECONDS" "${BASE[@]}" up -d "${args[@]}" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "dcprod: 'up' exited with status $rc; checking what is not healthy" >&2
  fi
  report_legacy || exit 1
  local services
  mapfile -t services < <(expected_services)
  wait_healthy "${services[@]}" || exit 1
  report_legacy || exit 1
  echo "dcprod: healthy: ${services[*]}"
}

main() {
  while [ $# -gt 0 ]; do
    case "$1" in
      -h | --help | help) usage; exit 0 ;;
    esac
    parse_common_option "$@" || break
    shift "$SHIFT_BY"
  done
  [ $# -gt 0 ] || { usage >&2; exit 2; }
  setup_compose

  local command="$1"
  shift
  case "$command" in
    up) cmd_up "$@" ;;
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
