#!/usr/bin/env bash
# Backs up the production database (the one DATABASE_URL names, external or the with-db
# profile's) with pg_dump in its custom format, into a file named after the schema version:
#   nudge-<project>-<UTC time>-schema-<newest applied migration>.dump
# pg_dump runs in a one-off container of the postgres service's image on the compose network,
# so the host needs only docker; scripts/restore.sh reads the file back.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/compose.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/compose.sh"
# shellcheck source-path=SCRIPTDIR source=lib/database.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/database.sh"

OUT_DIR="${BACKUP_DIR:-backups}"

usage() {
  cat <<EOF
Usage: scripts/backup.sh [--env-file FILE] [--profile NAME]... [-f FILE]... [--out DIR]

Writes DIR/nudge-$PROJECT-<UTC time>-schema-<migration>.dump (pg_dump --format=custom) of the
database in DATABASE_URL, and prints its path. DIR: --out, else BACKUP_DIR, else ./backups.
The roles keep running: pg_dump reads one consistent snapshot.
Restore it with scripts/restore.sh FILE.
EOF
}

# --out DIR, besides the options parse_options reads for every script.
parse_script_option() { option_value --out "a directory" "$@" && OUT_DIR="$OPTION_VALUE"; }

main() {
  parse_only_options "$@"
  setup_compose
  mkdir -p "$OUT_DIR"

  load_database_url
  local version file
  version="$(schema_version database)"
  [ -n "$version" ] || die "the database has no applied migration: nothing to back up (is DATABASE_URL the production database?)"
  file="$OUT_DIR/nudge-$PROJECT-$(date -u +%Y%m%dT%H%M%SZ)-schema-$version.dump"
  # The URL travels in the environment, never on a command line.
  # shellcheck disable=SC2016  # expanded by the container's shell
  if ! run_postgres_tool 'exec pg_dump --format=custom --no-owner --no-privileges -d "$DATABASE_URL"' >"$file.partial"; then
    rm -f "$file.partial"
    die "pg_dump failed (above); no backup was written"
  fi
  mv "$file.partial" "$file"
  echo "backup: $file ($(du -h "$file" | cut -f1), schema $version)"
}

main "$@"
