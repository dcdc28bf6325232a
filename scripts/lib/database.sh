# shellcheck shell=bash
# Shared by backup.sh and restore.sh (after lib/compose.sh): the database the roles use, its
# schema version, and PostgreSQL's client tools in a one-off container on the compose network.

# Exports DATABASE_URL as the api service resolves it from the env file and compose files, or
# from DATABASE_URL_FILE (a Docker secret). The image has node and no shell tools.
PRINT_DATABASE_URL='const { DATABASE_URL: url, DATABASE_URL_FILE: file } = process.env;
process.stdout.write(url || (file ? require("node:fs").readFileSync(file, "utf8").replace(/\r?\n$/, "") : ""));'
load_database_url() {
  DATABASE_URL="$(compose run --rm --no-deps -T api node -e "$PRINT_DATABASE_URL" 2>/dev/null)" \
    || die "cannot read DATABASE_URL from the api service (does 'scripts/dcprod.sh config' pass?)"
  [ -n "$DATABASE_URL" ] || die "DATABASE_URL is empty in $ENV_FILE"
  export DATABASE_URL
}

# schema_version code|database: the newest migration the api image's code has, or the newest
# applied to the database (empty when none), from nudge-admin schema-version.
schema_version() {
  local out args=()
  if [ "$1" = code ]; then args=(--code); fi
  out="$(compose run --rm --no-deps -T api nudge-admin schema-version "${args[@]}" 2>&1)" \
    || die "nudge-admin schema-version failed: $(tr '\n' ' ' <<<"$out" | cut -c1-300)"
  sed -n "s/.*\"$1\":\"\\([0-9]\\{4\\}_[a-z0-9_]*\\)\".*/\\1/p" <<<"$out" | tail -n 1
}

# run_postgres_tool SCRIPT: runs SCRIPT (sh) in a one-off container of the postgres service's
# image, with DATABASE_URL in its environment and this script's stdin and stdout.
run_postgres_tool() {
  base_command
  "${BASE[@]}" --profile with-db run --rm --no-deps -T -e DATABASE_URL --entrypoint sh postgres -c "$1"
}
