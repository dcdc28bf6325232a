#!/usr/bin/env bash
# `pnpm test:compose`: proves the production path on a real Docker engine. Builds the three
# images, deploys them with scripts/dcprod.sh (profile with-db) on an empty database, runs
# scripts/verify_production.sh, then breaks one thing at a time and checks that the scripts
# fail naming the cause, scales the roles, and tears everything down.
#
# Without an image registry (the default here) the base images are local stand-ins built by
# infra/standins/build.sh; NUDGE_TEST_OFFICIAL_IMAGES=1 uses the official images instead.
# Needs: docker with a running engine, docker compose or docker-compose, Node 22 (keys, ports).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Only [a-z0-9]: docker-compose v1 strips anything else from project names.
export DCPROD_PROJECT="${NUDGE_TEST_PROJECT:-nudgetest}"
export DCPROD_WAIT_SECONDS="${NUDGE_TEST_WAIT_SECONDS:-180}"
WORK="$(mktemp -d)"
export DCPROD_ENV_FILE="$WORK/env.prod"
BAD_ENV="$WORK/env.bad-dns"
# Images are tagged nudge-<role>:$TAG; give parallel runs their own (and their own project).
TAG="${NUDGE_TEST_TAG:-compose-test}"
BAD_HOST=db.nudge-test.invalid
ROGUES=("$DCPROD_PROJECT-rogue-worker" "$DCPROD_PROJECT-rogue-api")
FAILURES=0
CHECKS=0
STARTED=$SECONDS

# shellcheck source-path=SCRIPTDIR source=lib/compose.sh
. "$ROOT/scripts/lib/compose.sh"
# Checks kept in files of their own, one per area, each run from one marked place below.
# shellcheck source-path=SCRIPTDIR source=compose_checks/ops.sh
. "$ROOT/scripts/compose_checks/ops.sh"

step() { printf '\n== [%4ss] %s\n' "$((SECONDS - STARTED))" "$*"; }
ok() { CHECKS=$((CHECKS + 1)); printf 'ok    %s\n' "$*"; }
not_ok() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); printf 'NOT OK %s\n' "$*"; }
show() { sed 's/^/      | /' | cut -c1-260; }

# expect_failure NAME PATTERN OUTPUT_FILE COMMAND...: the command must exit non-zero and print
# a line matching PATTERN (the cause it names).
expect_failure() {
  local name="$1" pattern="$2" out="$3"
  shift 3
  if "$@" >"$out" 2>&1; then
    not_ok "$name: expected a failure, got exit 0"
    show <"$out"
  elif grep -Eq -- "$pattern" "$out"; then
    ok "$name: fails naming the cause"
    # From a little before the match: some tools print the cause at the end of a long line.
    grep -oE -- ".{0,60}($pattern).*" "$out" | head -n 3 | show
  else
    not_ok "$name: failed, but no line matches /$pattern/"
    show <"$out"
  fi
}

psql_nudge() {
  docker exec "$(running_container_of postgres)" psql -U nudge -d nudge -tAc "$1"
}

epoch_ns() { date -d "${1% UTC}" +%s%N; }

cleanup() {
  local rc=$?
  step "cleanup"
  docker rm -f "${ROGUES[@]}" >/dev/null 2>&1 || true
  scripts/dcprod.sh down -v >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$rc"
}

write_env() {
  node --input-type=module - "$@" <<'EOF'
import { createECDH, randomBytes } from 'node:crypto';
const [tag, official] = process.argv.slice(2);
const vapid = createECDH('prime256v1');
vapid.generateKeys();
const password = randomBytes(12).toString('hex');
const lines = [
  'COMPOSE_PROFILES=with-db',
  'POSTGRES_PASSWORD=' + password,
  'DATABASE_URL=postgres://nudge:' + password + '@postgres:5432/nudge',
  'PUBLIC_BASE_URL=http://127.0.0.1:3000',
  'GOOGLE_CLIENT_ID=nudge-test.apps.googleusercontent.com',
  'GOOGLE_CLIENT_SECRET=test-google-secret',
  'VAPID_PUBLIC_KEY=' + vapid.getPublicKey('base64url'),
  'VAPID_PRIVATE_KEY=' + vapid.getPrivateKey('base64url'),
  'VAPID_SUBJECT=mailto:ops@example.com',
  'CREDENTIALS_ENCRYPTION_KEY=' + randomBytes(32).toString('base64'),
  'REDIS_PASSWORD=' + randomBytes(16).toString('hex'),
  'NUDGE_TAG=' + tag,
];
if (official !== '1') {
  lines.push('NUDGE_NODE_IMAGE=nudge-standin/node:22-bookworm-slim');
  lines.push('NUDGE_REDIS_IMAGE=nudge-standin/redis:7');
  lines.push('NUDGE_POSTGRES_IMAGE=nudge-standin/postgres:15');
}
process.stdout.write(lines.join('\n') + '\n');
EOF
}

step "docker engine"
docker info --format 'engine {{.ServerVersion}}, storage {{.Driver}}' || { echo "no Docker engine answers"; exit 1; }
trap cleanup EXIT
write_env "$TAG" "${NUDGE_TEST_OFFICIAL_IMAGES:-0}" >"$DCPROD_ENV_FILE"
sed "s|^DATABASE_URL=.*|DATABASE_URL=postgres://nudge:x@$BAD_HOST:5432/nudge|" "$DCPROD_ENV_FILE" >"$BAD_ENV"
setup_compose
echo "compose: ${COMPOSE[*]}; project $DCPROD_PROJECT"
# A previous run that was killed may have left its project behind.
scripts/dcprod.sh down -v >/dev/null 2>&1 || true

step "docker-compose.prod.yml config"
if compose config -q >"$WORK/config.log" 2>&1; then
  ok "config passes with the env file"
else
  not_ok "config fails with a complete env file"
  show <"$WORK/config.log"
fi
grep -v '^CREDENTIALS_ENCRYPTION_KEY=' "$DCPROD_ENV_FILE" >"$WORK/env.incomplete"
expect_failure "config without CREDENTIALS_ENCRYPTION_KEY" "set CREDENTIALS_ENCRYPTION_KEY in the env file \(32 random bytes in base64, see .env.prod.example\)$" "$WORK/config-missing.log" \
  "${COMPOSE[@]}" -f docker-compose.prod.yml --env-file "$WORK/env.incomplete" config -q

if [ "${NUDGE_TEST_OFFICIAL_IMAGES:-0}" != 1 ]; then
  step "stand-in base images (built once, then cached by the engine)"
  infra/standins/build.sh
fi

step "build nudge-api, nudge-calls, nudge-worker"
t=$SECONDS
scripts/dcprod.sh build >"$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log"; exit 1; }
ok "images built in $((SECONDS - t))s"
# Each rebuild leaves the previous Nudge images untagged; drop old ones so a CI machine's disk
# does not fill up, and keep recent ones, which are the build cache of the next run.
docker image prune -f --filter until=72h --filter label=org.opencontainers.image.vendor=Nudge >/dev/null
docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.title"}} user={{.Config.User}} cmd={{json .Config.Cmd}} health={{json .Config.Healthcheck.Test}}' \
  "nudge-api:$TAG" "nudge-calls:$TAG" "nudge-worker:$TAG" | show

step "empty database, then dcprod.sh up"
compose up -d postgres >/dev/null 2>&1
for _ in $(seq 1 60); do [ -z "$(health_problems postgres)" ] && break; sleep 1; done
tables="$(psql_nudge "select count(*) from information_schema.tables where table_schema = 'public'")"
if [ "$tables" = 0 ]; then ok "database starts empty (0 tables)"; else not_ok "database is not empty: $tables tables"; fi
t=$SECONDS
if scripts/dcprod.sh up >"$WORK/up.log" 2>&1; then
  ok "dcprod.sh up healthy in $((SECONDS - t))s"
else
  not_ok "dcprod.sh up failed"
  show <"$WORK/up.log"
  exit 1
fi

step "the api migrated; calls and worker started only after its migrations (the schema gate)"
api="$(running_container_of api)"
migrated="$(docker logs "$api" 2>&1 | grep '"event":"db.migrations.completed"' | head -n 1)"
applied="$(sed -n 's/.*"applied":\([0-9]*\).*/\1/p' <<<"$migrated")"
tables="$(psql_nudge "select count(*) from information_schema.tables where table_schema = 'public'")"
if [ "${applied:-0}" -ge 1 ] && [ "$tables" -gt 1 ]; then
  ok "api applied $applied migration(s) on start; the database now has $tables tables"
else
  not_ok "no migration applied by the api (applied=${applied:-none}, tables=$tables)"
fi
migrated_ms="$(sed -n 's/.*"time":"\([^"]*\)".*/\1/p' <<<"$migrated")"
api_healthy="$(docker inspect -f '{{range .State.Health.Log}}{{if eq .ExitCode 0}}{{.End}}{{"\n"}}{{end}}{{end}}' "$api" | head -n 1)"
echo "      api: started $(docker inspect -f '{{.State.StartedAt}}' "$api"), migrations done $migrated_ms, first healthy probe $api_healthy"
# Nothing orders the containers (Swarm ignores depends_on, so the file has none): calls and
# worker wait, not ready, until the schema is current, and start their work only then.
for svc in worker calls; do
  id="$(running_container_of "$svc")"
  logs="$(docker logs "$id" 2>&1)"
  started="$(grep '"event":"process.started"' <<<"$logs" | sed -n 's/.*"time":"\([^"]*\)".*/\1/p' | head -n 1)"
  waited="$(grep -c '"event":"db.schema.not_current"' <<<"$logs" || true)"
  if [ -n "$started" ] && [ -n "$migrated_ms" ] && [ "$(epoch_ns "$started")" -gt "$(epoch_ns "$migrated_ms")" ] \
    && ! grep -q '"event":"db.schema.column_missing"' <<<"$logs"; then
    ok "$svc started its work $started, after the api's migrations ($waited db.schema.not_current line(s) while it waited)"
  else
    not_ok "$svc started its work at ${started:-never}, not after the api's migrations ($migrated_ms)"
  fi
done

step "verify_production.sh on the fresh deployment"
if scripts/verify_production.sh >"$WORK/verify.log" 2>&1; then
  ok "verify_production.sh passes"
  show <"$WORK/verify.log"
else
  not_ok "verify_production.sh fails on a healthy deployment"
  show <"$WORK/verify.log"
fi

# --- images: sizes, hardening, Redis password, digest pinning, secrets from files ---
# shellcheck source-path=SCRIPTDIR source=compose_checks/images.sh
. "$ROOT/scripts/compose_checks/images.sh"
images_checks
# --- end images ---

step "break: Redis with an evicting policy"
redis="$(running_container_of redis)"
docker exec "$redis" redis-cli config set maxmemory-policy allkeys-lru >/dev/null
expect_failure "evicting Redis" "FAIL  redis .*maxmemory-policy is 'allkeys-lru'" "$WORK/v-redis.log" scripts/verify_production.sh
docker exec "$redis" redis-cli config set maxmemory-policy noeviction >/dev/null

step "break: a worker replica with ENABLE_SCHEDULERS=false and an api with true"
network="${DCPROD_PROJECT}_default"
docker run -d --init --name "${ROGUES[0]}" --network "$network" --env-file "$DCPROD_ENV_FILE" \
  -e ENABLE_SCHEDULERS=false "nudge-worker:$TAG" >/dev/null
docker run -d --init --name "${ROGUES[1]}" --network "$network" --env-file "$DCPROD_ENV_FILE" \
  -e ENABLE_SCHEDULERS=true "nudge-api:$TAG" >/dev/null
for _ in $(seq 1 60); do
  [ "$(docker exec "$api" nudge-admin instances | wc -l)" -ge 5 ] && break
  sleep 1
done
expect_failure "schedulers on the wrong instances" "FAIL  schedulers .*(role api\) reports schedulers enabled|reports schedulers disabled)" \
  "$WORK/v-schedulers.log" scripts/verify_production.sh
if [ "$(grep -c 'FAIL  schedulers' "$WORK/v-schedulers.log")" = 2 ]; then
  ok "both the api and the worker replica are named"
else
  not_ok "expected two schedulers failures: $(grep 'FAIL  schedulers' "$WORK/v-schedulers.log")"
fi
# A graceful stop deletes their heartbeat rows.
docker stop "${ROGUES[@]}" >/dev/null && docker rm "${ROGUES[@]}" >/dev/null

step "break: the legacy profile started"
expect_failure "dcprod.sh up with the legacy profile" "legacy service running" "$WORK/up-legacy.log" \
  env DCPROD_WAIT_SECONDS=60 scripts/dcprod.sh --profile legacy up
expect_failure "verify with legacy running" "FAIL  legacy .*legacy all-in-one service running" "$WORK/v-legacy.log" \
  scripts/verify_production.sh
scripts/dcprod.sh --profile legacy rm -sf legacy >/dev/null 2>&1
if scripts/verify_production.sh >"$WORK/verify2.log" 2>&1; then
  ok "verify passes again once the breaks are undone"
else
  not_ok "verify still fails after undoing the breaks"
  show <"$WORK/verify2.log"
fi

# --- compose_checks: operator scripts (override files, config check, postgres stop, backups) ---
ops_checks

step "scale: --scale worker=3 --scale api=2"
t=$SECONDS
if scripts/dcprod.sh up --scale worker=3 --scale api=2 >"$WORK/up-scale.log" 2>&1; then
  ok "scaled deployment healthy in $((SECONDS - t))s: $(containers_of worker | wc -l) workers, $(containers_of api | wc -l) apis"
else
  not_ok "scaled up failed"
  show <"$WORK/up-scale.log"
fi
for _ in $(seq 1 30); do
  [ "$(docker exec "$(running_container_of api)" nudge-admin instances | grep -c '"role":"worker"')" -ge 3 ] && break
  sleep 1
done
workers_on="$(docker exec "$(running_container_of api)" nudge-admin instances | grep '"role":"worker"' | grep -c '"schedulersEnabled":true' || true)"
if [ "$workers_on" = 3 ]; then
  ok "3 worker instances heartbeat with schedulers enabled"
else
  not_ok "$workers_on worker instances with schedulers enabled, expected 3"
fi
if scripts/verify_production.sh >"$WORK/verify-scale.log" 2>&1; then
  ok "verify_production.sh passes on the scaled deployment"
else
  not_ok "verify_production.sh fails on the scaled deployment"
  show <"$WORK/verify-scale.log"
fi
schedules="$(psql_nudge "select count(*) from job_schedules where enabled")"
if [ "$schedules" = 0 ]; then
  echo "      SKIP duplicate-run check: no enabled job_schedules; the schedule manager is not in this branch, so job_runs stays empty"
else
  observe="${NUDGE_TEST_SCALE_OBSERVE_SECONDS:-75}"
  echo "      $schedules enabled schedule(s); watching job_runs for ${observe}s"
  sleep "$observe"
  runs="$(psql_nudge "select count(*) from job_runs where schedule_id is not null")"
  dupes="$(psql_nudge "select count(*) from (select 1 from job_runs where schedule_id is not null group by schedule_id, scheduled_for having count(*) > 1) d")"
  by_worker="$(psql_nudge "select count(distinct worker_id) from job_runs where schedule_id is not null")"
  if [ "$dupes" = 0 ] && [ "$runs" -gt 0 ]; then
    ok "three workers ran $runs scheduled run(s) (by $by_worker worker(s)) with no duplicate (schedule_id, scheduled_for)"
  elif [ "$runs" = 0 ]; then
    not_ok "no scheduled job ran in ${observe}s although $schedules schedule(s) are enabled"
  else
    not_ok "$dupes (schedule_id, scheduled_for) slot(s) ran more than once"
  fi
fi

step "break: a required column dropped"
psql_nudge "alter table meetings drop column conference_url" >/dev/null
expect_failure "column dropped" "FAIL  schema .*missing column meetings.conference_url" "$WORK/v-column.log" scripts/verify_production.sh
psql_nudge "alter table meetings add column conference_url text" >/dev/null

step "break: DATABASE_URL whose host does not resolve"
for role in api calls worker; do
  out="$WORK/run-$role.log"
  t=$SECONDS
  rc=0
  timeout 60 docker run --rm --init --network "$network" --env-file "$BAD_ENV" "nudge-$role:$TAG" >"$out" 2>&1 || rc=$?
  lines="$(grep -c . "$out" || true)"
  if [ "$rc" = 1 ] && [ "$lines" = 1 ] && grep -q '"level":"fatal".*"event":"db.host.unresolved"' "$out"; then
    ok "nudge-$role exits 1 in $((SECONDS - t))s with one line: $(cut -c1-200 "$out")"
  else
    not_ok "nudge-$role: exit $rc, $lines line(s), expected exit 1 and one db.host.unresolved line"
    show <"$out"
  fi
done
# The config check passes (the URL is well formed); the api then crash-loops, and up stops at
# once instead of waiting DCPROD_WAIT_SECONDS, showing the container's last log lines.
t=$SECONDS
expect_failure "dcprod.sh up with an unresolvable DATABASE_URL" "log: .*db.host.unresolved" "$WORK/up-dns.log" \
  env DCPROD_WAIT_SECONDS=180 scripts/dcprod.sh --env-file "$BAD_ENV" up
if [ $((SECONDS - t)) -lt 90 ] && grep -q 'crashed or is unhealthy' "$WORK/up-dns.log"; then
  ok "up stopped at the crashed container after $((SECONDS - t))s, not after the 180 s wait"
else
  not_ok "up took $((SECONDS - t))s to give up on a crash-looping api (wait limit 180 s)"
fi
expect_failure "verify with an unresolvable DATABASE_URL" "FAIL  dns .*$BAD_HOST" "$WORK/v-dns.log" \
  scripts/verify_production.sh --env-file "$BAD_ENV"

step "dcprod.sh down leaves nothing running"
scripts/dcprod.sh down -v >"$WORK/down.log" 2>&1 || { show <"$WORK/down.log"; }
left="$(docker ps -a -q --filter "label=com.docker.compose.project=$DCPROD_PROJECT" | wc -l)"
if [ "$left" = 0 ]; then ok "no container of project $DCPROD_PROJECT is left"; else not_ok "$left container(s) left after down"; fi

# --- Docker Swarm: the same file with docker stack deploy (its own file; skips itself when
# the engine cannot run Swarm services). ---
step "Docker Swarm: scripts/compose_checks/swarm.sh"
if scripts/compose_checks/swarm.sh "$DCPROD_ENV_FILE"; then
  ok "swarm: every check passed"
else
  not_ok "swarm: checks failed (above)"
fi
# --- end Docker Swarm ---

step "done in $((SECONDS - STARTED))s"
if [ "$FAILURES" -eq 0 ]; then
  echo "test:compose: all $CHECKS checks passed"
else
  echo "test:compose: $FAILURES of $CHECKS checks FAILED"
  exit 1
fi
