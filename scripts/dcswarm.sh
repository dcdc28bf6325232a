#!/usr/bin/env bash
# Deploys Nudge's production compose file (docker-compose.prod.yml, unchanged) to Docker Swarm
# with docker-compose.swarm.yml (the secrets), from the same env file as scripts/dcprod.sh, and
# after `up` waits until every service has converged: all replicas running and healthy, no
# rollout in progress. A rollout that Swarm rolls back fails here, naming the task's error.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/compose.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/compose.sh"
SWARM_FILE="$ROOT/docker-compose.swarm.yml"
STACK="${DCSWARM_STACK:-nudge}"
WAIT_SECONDS="${DCSWARM_WAIT_SECONDS:-300}"
EXTRA_FILES=()
# The variables docker-compose.swarm.yml turns into Swarm secrets (NAME_FILE in the roles).
SECRETS=(DATABASE_URL GOOGLE_CLIENT_SECRET VAPID_PRIVATE_KEY CREDENTIALS_ENCRYPTION_KEY)
SECRETS_DIR=""
# Rollout states from before this run (an old rollback, say) are not this run's outcome.
SINCE=0

usage() {
  cat <<EOF
Usage: scripts/dcswarm.sh [--env-file FILE] [--stack NAME] [-c FILE]... COMMAND [ARGS...]

Runs docker stack deploy -c docker-compose.prod.yml -c docker-compose.swarm.yml NAME with the
values of FILE, on a Swarm manager (docker swarm init makes this engine one).

Commands:
  up [ARGS]     create the secrets, deploy (or update) the stack, then wait until every service
                has all its replicas running and healthy; fails as soon as Swarm rolls a
                service back or pauses its rollout, naming the failed task's error and its
                last log lines. ARGS go to docker stack deploy (e.g. --resolve-image never).
  down [-v]     docker stack rm, wait until its tasks and network are gone, remove its secrets;
                with -v also its volumes (Redis data) on this node
  status        services, replicas, rollout state and the running tasks
  scale SVC=N.. docker service scale for the stack's services (e.g. scale worker=3 api=2),
                then wait as up does; the next up deploys NUDGE_*_REPLICAS again, so put a
                lasting scale in the env file

Options:
  --env-file FILE  env file (default: .env.prod next to docker-compose.prod.yml; or DCPROD_ENV_FILE)
  --stack NAME     stack name (default nudge; or DCSWARM_STACK)
  -c FILE          one more compose file on top, repeatable (e.g. one that publishes ports)
  -h, --help       this help

Environment:
  DCSWARM_WAIT_SECONDS  how long up waits for convergence (default 300)
  NUDGE_API_REPLICAS, NUDGE_CALLS_REPLICAS, NUDGE_WORKER_REPLICAS (default 1 each), and every
  variable docker-compose.prod.yml reads, from the environment or the env file.
EOF
}

cleanup() {
  [ -n "$SECRETS_DIR" ] && rm -rf "$SECRETS_DIR"
  return 0
}
trap cleanup EXIT

# KEY=VALUE lines as docker compose reads them (no shell expansion; one pair of surrounding
# quotes dropped). A variable already in the environment wins, as with compose.
load_env_file() {
  local line key value
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%$'\r'}"
    case "$line" in '' | '#'*) continue ;; esac
    [[ "$line" == *=* ]] || die "$ENV_FILE: not KEY=VALUE: ${line%%=*}"
    key="${line%%=*}"
    key="${key#export }"
    key="${key// /}"
    value="${line#*=}"
    [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "$ENV_FILE: bad variable name '$key'"
    if [[ "$value" =~ ^\"(.*)\"$ ]] || [[ "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    [ -n "${!key+x}" ] || export "$key=$value"
  done <"$ENV_FILE"
}

# Writes each secret to a private file and names them after a hash of all their values. The
# variable itself becomes a single blank: docker-compose.prod.yml requires it to be set, and the
# roles take a blank as unset and read NAME_FILE (docker-compose.swarm.yml) instead.
prepare_secrets() {
  local name file
  SECRETS_DIR="$(mktemp -d)"
  chmod 700 "$SECRETS_DIR"
  for name in "${SECRETS[@]}"; do
    [ -n "${!name:-}" ] || die "set $name in $ENV_FILE: it becomes the Swarm secret ${name,,}"
    file="$SECRETS_DIR/${name,,}"
    (umask 077 && printf '%s' "${!name}" >"$file")
    export "$name= "
  done
  NUDGE_SECRETS_VERSION="$(cat "$SECRETS_DIR"/* | sha256sum | cut -c1-12)"
  export NUDGE_SECRETS_VERSION NUDGE_SECRETS_DIR="$SECRETS_DIR" NUDGE_STACK="$STACK"
}

require_manager() {
  local state
  state="$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null)" ||
    die "no Docker engine answers"
  [ "$state" = "active true" ] ||
    die "this engine is not a Swarm manager ($state): run docker swarm init (or use scripts/dcprod.sh for one host)"
}

stack_services() {
  docker service ls -q --filter "label=com.docker.stack.namespace=$STACK"
}

service_name() { docker service inspect -f '{{.Spec.Name}}' "$1"; }

# "<running> <desired> <rollout state>" of a service; the state is empty before any update.
service_state() {
  local id="$1" desired running state
  desired="$(docker service inspect -f '{{if .Spec.Mode.Replicated}}{{.Spec.Mode.Replicated.Replicas}}{{else}}1{{end}}' "$id")"
  running="$(docker service ps -q --filter desired-state=running "$id" | xargs -r docker inspect -f '{{.Status.State}}' | grep -c '^running$' || true)"
  state="$(docker service inspect -f '{{if .UpdateStatus}}{{if .UpdateStatus.StartedAt}}{{.UpdateStatus.StartedAt.Unix}} {{.UpdateStatus.State}}{{end}}{{end}}' "$id")"
  if [ -n "$state" ] && [ "${state%% *}" -ge "$SINCE" ]; then state="${state#* }"; else state=none; fi
  echo "$running $desired $state"
}

explain_service() {
  local id="$1" name
  name="$(service_name "$id")"
  echo "--- $name: $(docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.Message}}{{end}}' "$id")" >&2
  docker service ps --no-trunc --format '{{.Name}} {{.Image}} {{.CurrentState}} {{.Error}}' "$id" 2>/dev/null |
    head -n 6 | cut -c1-300 | sed 's/^/    task: /' >&2
  docker service logs --raw --tail 5 "$id" 2>/dev/null | cut -c1-400 | sed 's/^/    log: /' >&2 || true
}

# Waits until every service of the stack runs all its replicas and no rollout is in progress.
# A rollout rolled back or paused fails at once.
wait_converged() {
  local deadline=$((SECONDS + WAIT_SECONDS)) next_report=$((SECONDS + 15)) id name running desired state
  local problems failed
  while :; do
    problems=()
    failed=()
    for id in $(stack_services); do
      name="$(service_name "$id")"
      read -r running desired state <<<"$(service_state "$id")"
      case "$state" in
        rollback_completed | rollback_paused | paused) failed+=("$id") ;;
      esac
      case "$state" in
        updating | rollback_started) problems+=("$name: rollout $state ($running/$desired running)") ;;
        *) [ "$running" = "$desired" ] || problems+=("$name: $running/$desired running") ;;
      esac
    done
    if [ "${#failed[@]}" -gt 0 ] && [ "${#problems[@]}" -eq 0 ]; then
      echo "dcswarm: FAIL rollout not applied:" >&2
      for id in "${failed[@]}"; do explain_service "$id"; done
      echo "dcswarm: Swarm kept (or rolled back to) the previous version; fix the cause above and run scripts/dcswarm.sh up again" >&2
      return 1
    fi
    [ "${#problems[@]}" -eq 0 ] && [ -n "$(stack_services)" ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "dcswarm: FAIL not converged after ${WAIT_SECONDS}s:" >&2
      printf '  %s\n' "${problems[@]}" >&2
      for id in $(stack_services); do explain_service "$id"; done
      return 1
    fi
    if [ "$SECONDS" -ge "$next_report" ]; then
      echo "dcswarm: waiting: $(printf '%s; ' "${problems[@]}")" >&2
      next_report=$((SECONDS + 15))
    fi
    sleep 2
  done
}

compose_files() {
  local f
  FILES=(-c "$COMPOSE_FILE" -c "$SWARM_FILE")
  for f in "${EXTRA_FILES[@]}"; do FILES+=(-c "$f"); done
}

# Secrets of the stack that no service uses any more (older values).
remove_unused_secrets() {
  local id
  for id in $(docker secret ls -q --filter "label=com.docker.stack.namespace=$STACK"); do
    docker secret rm "$id" >/dev/null 2>&1 || true
  done
}

cmd_up() {
  case ",${COMPOSE_PROFILES:-}," in
    *,with-db,*) die "the with-db profile is single-host only (docker-compose.single-host.yml): give DATABASE_URL an external PostgreSQL" ;;
  esac
  prepare_secrets
  compose_files
  local out="$SECRETS_DIR/deploy.log" rc=0
  SINCE="$(date +%s)"
  docker stack deploy --prune "${FILES[@]}" "$@" "$STACK" >"$out" 2>&1 || rc=$?
  # Without a registry every image draws a four-line warning; keep what says something.
  grep -v -e '^Since --detach=false' -e '^In a future release, --detach' -e 'could not be accessed on a registry' \
    -e '^its digest\.' -e 'independently,$' -e '^possibly leading to' -e '^versions of the image\.$' -e '^$' "$out" || true
  [ "$rc" -eq 0 ] || die "docker stack deploy failed (exit $rc)"
  # Swarm needs a moment to record the new desired state before it is worth looking at.
  sleep 3
  wait_converged || exit 1
  remove_unused_secrets
  echo "dcswarm: converged: $(for id in $(stack_services); do read -r r d _ <<<"$(service_state "$id")"; printf '%s %s/%s  ' "$(service_name "$id")" "$r" "$d"; done)"
}

cmd_down() {
  local volumes=0 deadline
  [ "${1:-}" = "-v" ] && volumes=1
  docker stack rm "$STACK" >/dev/null 2>&1 || true
  deadline=$((SECONDS + 120))
  # Tasks stop with their grace period; the network (and secrets) go after them.
  while [ -n "$(stack_services)" ] ||
    [ -n "$(docker ps -aq --filter "label=com.docker.stack.namespace=$STACK")" ] ||
    [ -n "$(docker network ls -q --filter "label=com.docker.stack.namespace=$STACK")" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "stack $STACK still has services, containers or networks after 120s"
    sleep 2
  done
  remove_unused_secrets
  if [ "$volumes" = 1 ]; then
    docker volume ls -q --filter "label=com.docker.stack.namespace=$STACK" | xargs -r docker volume rm >/dev/null
  fi
  echo "dcswarm: stack $STACK removed"
}

cmd_status() {
  local id
  docker stack services "$STACK"
  for id in $(stack_services); do
    read -r running desired state <<<"$(service_state "$id")"
    printf '%-28s %s/%s running, rollout %s\n' "$(service_name "$id")" "$running" "$desired" "$state"
  done
  docker stack ps --filter desired-state=running --format '{{.Name}} {{.Image}} {{.CurrentState}}' "$STACK"
}

cmd_scale() {
  local args=() a
  for a in "$@"; do
    [[ "$a" =~ ^[a-z]+=[0-9]+$ ]] || die "scale takes SERVICE=N, e.g. worker=3: got '$a'"
    args+=("${STACK}_$a")
  done
  [ "${#args[@]}" -gt 0 ] || die "scale takes SERVICE=N, e.g. worker=3"
  SINCE="$(date +%s)"
  docker service scale --detach "${args[@]}" >/dev/null
  sleep 2
  wait_converged || exit 1
  echo "dcswarm: scaled: $*"
}

# `help` as the command, --stack NAME and -c FILE, besides the options parse_options reads for
# every script.
parse_script_option() {
  if [ "$1" = help ]; then
    usage
    exit 0
  elif option_value --stack "a name" "$@"; then
    STACK="$OPTION_VALUE"
  elif option_value -c "a file" "$@"; then
    EXTRA_FILES+=("$OPTION_VALUE")
  else
    return 1
  fi
}

main() {
  parse_options "$@"
  shift "$OPTIONS_TAKEN"
  [ $# -gt 0 ] || { usage >&2; exit 2; }
  [[ "$STACK" =~ ^[a-z0-9][a-z0-9_-]*$ ]] || die "stack name '$STACK': use lower-case letters, digits, - and _"
  require_manager
  local command="$1"
  shift
  case "$command" in
    up)
      case "$ENV_FILE" in /*) ;; *) ENV_FILE="$PWD/$ENV_FILE" ;; esac
      [ -f "$ENV_FILE" ] || die "env file $ENV_FILE not found: copy .env.prod.example to .env.prod and fill it in (or pass --env-file FILE)"
      load_env_file
      cmd_up "$@"
      ;;
    down) cmd_down "$@" ;;
    status) cmd_status ;;
    scale) cmd_scale "$@" ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
