#!/usr/bin/env bash
# Restores a dump written by scripts/backup.sh into the database DATABASE_URL names. Refuses a
# dump whose schema is newer than the migrations of the code deployed (NUDGE_TAG): that code
# would not know the tables it holds. Stops api, calls and worker first so that nothing writes
# during the restore; start them again with scripts/dcprod.sh up (the api then applies any
# migration newer than the dump).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/compose.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/compose.sh"
# shellcheck source-path=SCRIPTDIR source=lib/database.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/database.sh"

usage() {
  cat <<EOF
Usage: scripts/restore.sh [--env-file FILE] [--profile NAME]... [-f FILE]... DUMP_FILE

Restores DUMP_FILE (nudge-…-schema-NNNN_name.dump from scripts/backup.sh) with pg_restore
--clean --if-exists --single-transaction: all of it or nothing. Best into an empty database
(a new volume or database); objects the dump does not hold are left as they are.
Then: scripts/dcprod.sh up, and scripts/verify_production.sh.
EOF
}

wait_postgres_healthy() {
  local waited=0
  while [ -n "$(health_problems postgres)" ]; do
    [ "$waited" -lt 120 ] || die "postgres is not healthy after 120 s: scripts/dcprod.sh logs postgres"
    sleep 2
    waited=$((waited + 2))
  done
}

# DUMP_FILE, the one argument that is not an option, wherever it stands among them.
DUMP=""
parse_script_option() {
  case "$1" in
    -*) return 1 ;;
    *) [ -z "$DUMP" ] || die "one dump file only (got $DUMP and $1)"; DUMP="$1" ;;
  esac
}

main() {
  parse_only_options "$@"
  [ -n "$DUMP" ] || { usage >&2; exit 2; }
  [ -f "$DUMP" ] || die "dump file $DUMP not found"
  local dump_version code_version
  dump_version="$(basename "$DUMP" | sed -n 's/.*-schema-\([0-9]\{4\}_[a-z0-9_]*\)\.dump$/\1/p')"
  [ -n "$dump_version" ] || die "$DUMP is not named …-schema-NNNN_name.dump as scripts/backup.sh names dumps; rename it after the newest migration it holds"
  setup_compose

  code_version="$(schema_version code)"
  [ -n "$code_version" ] || die "cannot tell the code's newest migration (nudge-admin schema-version --code)"
  if [ "$((10#${dump_version%%_*}))" -gt "$((10#${code_version%%_*}))" ]; then
    die "refusing: the dump's schema $dump_version is newer than this code's newest migration $code_version; deploy the version that wrote it (NUDGE_TAG) and restore with that"
  fi

  echo "restore: stopping api, calls and worker so that nothing writes during the restore"
  compose stop api calls worker
  if profile_active with-db; then
    compose up -d postgres
    wait_postgres_healthy
  fi
  load_database_url
  # shellcheck disable=SC2016  # expanded by the container's shell
  if ! run_postgres_tool 'exec pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error -d "$DATABASE_URL"' <"$DUMP"; then
    die "pg_restore failed (above); the database is as it was before (single transaction). The roles are stopped: scripts/dcprod.sh up"
  fi
  echo "restore: restored $DUMP (schema $dump_version; code $code_version)"
  echo "restore: start the roles: scripts/dcprod.sh up (the api applies any newer migration), then scripts/verify_production.sh"
}

main "$@"
