# shellcheck shell=bash disable=SC2034  # variables here are read by the scripts that source it
# Shared by the operator scripts (dcprod.sh, dcswarm.sh, verify_production.sh, backup.sh,
# restore.sh): their options, how to call docker compose for the production file, and how to
# find the project's containers. Containers are found by compose's labels,
# which docker compose (v2) and docker-compose (v1) both set, whatever they name containers.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COMPOSE_FILE="$ROOT/docker-compose.prod.yml"
# docker compose's own convention: an override file next to the main one is read after it.
OVERRIDE_FILE="$ROOT/docker-compose.override.yml"
# postgres (profile with-db) and legacy: Swarm refuses profiles, so they live in a file of their own.
SINGLE_HOST_FILE="$ROOT/docker-compose.single-host.yml"
EXTRA_FILES=()
COMPOSE_FILES=()
PROJECT="${DCPROD_PROJECT:-nudge}"
ENV_FILE="${DCPROD_ENV_FILE:-$ROOT/.env.prod}"
PROFILES=()
COMPOSE=()
BASE=()

die() {
  printf '%s: %s\n' "$(basename "$0" .sh)" "$*" >&2
  exit 1
}

# parse_options "$@", then shift "$OPTIONS_TAKEN": reads the options at the front of a script's
# arguments, up to the first argument that is none of them, in this order:
#   -h, --help       the script's usage, exit 0
#   its own          when the script defines parse_script_option: called with the arguments left,
#                    it returns 1 for one it does not take, else sets SHIFT_BY when it takes two
#   --env-file FILE, --profile NAME, -f/--file FILE
parse_options() {
  OPTIONS_TAKEN=0
  while [ $# -gt 0 ]; do
    case "$1" in -h | --help) usage; exit 0 ;; esac
    SHIFT_BY=1
    if declare -F parse_script_option >/dev/null && parse_script_option "$@"; then
      :
    elif option_value --env-file "a file" "$@"; then
      ENV_FILE="$OPTION_VALUE"
    elif option_value --profile "a name" "$@"; then
      PROFILES+=("$OPTION_VALUE")
    elif option_value -f "a compose file" "$@" || option_value --file "a compose file" "$@"; then
      EXTRA_FILES+=("$OPTION_VALUE")
    else
      return 0
    fi
    OPTIONS_TAKEN=$((OPTIONS_TAKEN + SHIFT_BY))
    shift "$SHIFT_BY"
  done
}

# parse_options for a script that takes nothing but options: any other argument is a usage error.
parse_only_options() {
  parse_options "$@"
  [ "$OPTIONS_TAKEN" -eq $# ] || { usage >&2; exit 2; }
}

# option_value NAME WHAT "$@": when the first argument is option NAME, as `NAME VALUE` or (a long
# option) `NAME=VALUE`, sets OPTION_VALUE and SHIFT_BY; dies "NAME needs WHAT" when the value is
# missing; returns 1 for any other argument.
option_value() {
  local name="$1" what="$2"
  shift 2
  case "$1" in
    "$name") [ $# -ge 2 ] || die "$name needs $what"; OPTION_VALUE="$2"; SHIFT_BY=2 ;;
    --*=*) [ "${1%%=*}" = "$name" ] || return 1; OPTION_VALUE="${1#*=}"; SHIFT_BY=1 ;;
    *) return 1 ;;
  esac
}

# Resolves the env file, reads profiles from COMPOSE_PROFILES, picks the compose command.
setup_compose() {
  case "$ENV_FILE" in /*) ;; *) ENV_FILE="$PWD/$ENV_FILE" ;; esac
  [ -f "$ENV_FILE" ] || die "env file $ENV_FILE not found: copy .env.prod.example to .env.prod and fill it in (or pass --env-file FILE)"
  collect_compose_files
  collect_profiles
  detect_compose
}

# The production file, then docker-compose.override.yml when it exists, then each -f FILE in
# the order given: later files override earlier ones, as with docker compose -f.
collect_compose_files() {
  local f
  COMPOSE_FILES=("$COMPOSE_FILE" "$SINGLE_HOST_FILE")
  if [ -f "$OVERRIDE_FILE" ]; then COMPOSE_FILES+=("$OVERRIDE_FILE"); fi
  for f in "${EXTRA_FILES[@]}"; do
    case "$f" in /*) ;; *) f="$PWD/$f" ;; esac
    [ -f "$f" ] || die "compose file $f not found (given with -f)"
    COMPOSE_FILES+=("$f")
  done
}

# `docker compose` (v2 plugin) where it exists, else the standalone docker-compose.
detect_compose() {
  if [ -n "${DCPROD_COMPOSE:-}" ]; then
    read -r -a COMPOSE <<<"$DCPROD_COMPOSE"
  elif docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose)
  else
    die "neither 'docker compose' nor 'docker-compose' is installed (install the Docker Compose plugin or docker-compose)"
  fi
}

profile_active() {
  local p
  for p in "${PROFILES[@]}"; do [ "$p" = "$1" ] && return 0; done
  return 1
}

# Profiles also come from COMPOSE_PROFILES, in the environment or the env file.
collect_profiles() {
  local from_env="${COMPOSE_PROFILES:-}" p extra=()
  if [ -z "$from_env" ] && [ -f "$ENV_FILE" ]; then
    from_env="$(sed -n 's/^COMPOSE_PROFILES=//p' "$ENV_FILE" | tail -n 1 | tr -d "\"'")"
  fi
  IFS=',' read -r -a extra <<<"$from_env"
  for p in "${extra[@]}"; do
    [ -n "$p" ] && ! profile_active "$p" && PROFILES+=("$p")
  done
  return 0
}

# Fills BASE with the compose command line for the current profiles.
base_command() {
  local p f
  BASE=("${COMPOSE[@]}" -p "$PROJECT")
  for f in "${COMPOSE_FILES[@]}"; do BASE+=(-f "$f"); done
  BASE+=(--env-file "$ENV_FILE")
  for p in "${PROFILES[@]}"; do BASE+=(--profile "$p"); done
}

compose() {
  base_command
  "${BASE[@]}" "$@"
}

expected_services() {
  local services=(api calls worker redis)
  profile_active with-db && services+=(postgres)
  printf '%s\n' "${services[@]}"
}

# Container ids of a service, stopped ones included.
# One-off containers (compose run, as dcprod.sh's config check) are not the service's.
containers_of() {
  docker ps -a -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$1" \
    --filter "label=com.docker.compose.oneoff=False"
}

running_container_of() {
  docker ps -q --filter status=running --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$1" \
    --filter "label=com.docker.compose.oneoff=False" | head -n 1
}

legacy_containers() {
  docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=nudge.legacy=true"
}

# How often the engine restarted the container (restart policy), to tell a crash loop.
restart_count() {
  docker inspect -f '{{.RestartCount}}' "$1" 2>/dev/null || echo 0
}

# "running healthy", "running starting", "restarting unhealthy", "exited none", ...
container_state() {
  docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1" 2>/dev/null || echo "gone none"
}

container_name() {
  docker inspect -f '{{.Name}}' "$1" 2>/dev/null | sed 's#^/##'
}

last_probe_output() {
  docker inspect -f '{{if .State.Health}}{{range .State.Health.Log}}{{.Output}}{{end}}{{end}}' "$1" 2>/dev/null \
    | grep -v '^[[:space:]]*$' | tail -n 1 | cut -c1-400
}

# One line per container of the listed services that is missing, stopped or not healthy.
health_problems() {
  local svc id state ids
  for svc in "$@"; do
    ids="$(containers_of "$svc")"
    if [ -z "$ids" ]; then
      echo "$svc: no container"
      continue
    fi
    for id in $ids; do
      state="$(container_state "$id")"
      case "$state" in
        "running healthy" | "running none") ;;
        *) echo "$svc: $(container_name "$id") is ${state% none}" ;;
      esac
    done
  done
}
