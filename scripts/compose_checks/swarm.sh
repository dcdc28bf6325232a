#!/usr/bin/env bash
# The Swarm part of `pnpm test:compose` (also runnable alone): deploys docker-compose.prod.yml
# unchanged with scripts/dcswarm.sh on this engine, scales worker to 3 and api to 2 and looks
# for duplicate scheduled runs, rolls out a bad config and watches Swarm roll it back, rolls
# out a new version, counting failed requests to the api throughout, and removes the stack.
#
#   scripts/compose_checks/swarm.sh ENV_FILE
# ENV_FILE: an env file of the compose test (images NUDGE_TAG, POSTGRES_PASSWORD, the secrets);
# the images nudge-api, nudge-calls, nudge-worker:$NUDGE_TAG must exist on this engine.
# Runs `docker swarm init` when the engine is not in Swarm mode, and leaves the swarm after.
# Exit 0 when every check passed, 1 when one failed; prints SKIP and exits 0 when the engine
# cannot run Swarm services.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: scripts/compose_checks/swarm.sh ENV_FILE" >&2; exit 2; }
BASE_ENV="$1"

export DCSWARM_STACK="${NUDGE_TEST_STACK:-swarmtest}"
export DCSWARM_WAIT_SECONDS="${NUDGE_TEST_SWARM_WAIT_SECONDS:-300}"
STACK="$DCSWARM_STACK"
WORK="$(mktemp -d)"
INITIALISED=0
FAILURES=0
CHECKS=0
STARTED=$SECONDS
PROBE_PID=""

step() { printf '\n== swarm [%4ss] %s\n' "$((SECONDS - STARTED))" "$*"; }
ok() { CHECKS=$((CHECKS + 1)); printf 'ok    %s\n' "$*"; }
not_ok() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); printf 'NOT OK %s\n' "$*"; }
show() { sed 's/^/      | /' | cut -c1-260; }

cleanup() {
  local rc=$?
  [ -n "$PROBE_PID" ] && docker rm -f "$PROBE_PID" >/dev/null 2>&1
  scripts/dcswarm.sh down -v >/dev/null 2>&1 || true
  if [ "$INITIALISED" = 1 ]; then docker swarm leave --force >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
  exit "$rc"
}

# USE_ENV: the env file of the next call (the good one, a bad one, the next version's).
swarm() { scripts/dcswarm.sh --env-file "${USE_ENV:-$ENV}" -c scripts/compose_checks/swarm-test.yml "$@"; }

container_of() {
  docker ps -q --filter "label=com.docker.swarm.service.name=${STACK}_$1" | head -n 1
}

# Retried for a minute: on a loaded machine Swarm may be replacing the postgres task.
psql_stack() {
  local try
  for try in $(seq 1 30); do
    docker exec "$(container_of postgres)" psql -U nudge -d nudge -tAc "$1" 2>"$WORK/psql.err" && return 0
    sleep 2
  done
  echo "psql failed 30 times: $(tail -n 1 "$WORK/psql.err")" >&2
  return 1
}

# Counts answers of the api while a rollout runs, from a container on the stack's network, as a
# reverse proxy would ask: the service name resolved anew for each request (every task's
# address with dnsrr, the virtual IP with vip), one new connection per request, 20 a second.
# Every answer but 200 from /health/ready, and every error, is a failure.
start_probe() {
  mkdir -p "$WORK/probe"
  chmod 777 "$WORK/probe"
  cat >"$WORK/probe/probe.mjs" <<'EOF'
import { get } from 'node:http';
import { lookup } from 'node:dns/promises';
import { writeFileSync } from 'node:fs';
const [host, port, out] = process.argv.slice(2);
const counts = { requests: 0, failed: 0, reasons: {} };
let running = true;
const once = async () => {
  let addresses;
  try {
    addresses = await lookup(host, { all: true });
  } catch (err) {
    return `dns ${err.code}`;
  }
  const { address } = addresses[Math.floor(Math.random() * addresses.length)];
  return new Promise((resolve) => {
    const req = get({ host: address, port, path: '/health/ready', agent: false, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? undefined : `status ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve(err.code ?? err.message));
  });
};
process.on('SIGTERM', () => { running = false; });
while (running) {
  const started = Date.now();
  const failure = await once();
  counts.requests += 1;
  if (failure !== undefined) {
    counts.failed += 1;
    counts.reasons[failure] = (counts.reasons[failure] ?? 0) + 1;
  }
  writeFileSync(out, JSON.stringify(counts));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 50 - (Date.now() - started))));
}
writeFileSync(out, JSON.stringify(counts));
EOF
  PROBE_PID="$(docker run -d --init --network "${STACK}_default" -v "$WORK/probe:/probe" \
    --label "com.docker.stack.namespace=$STACK" "nudge-api:$tag" node /probe/probe.mjs api 3000 "/probe/$1.json")"
}

stop_probe() {
  docker stop "$PROBE_PID" >/dev/null 2>&1 || true
  docker rm "$PROBE_PID" >/dev/null 2>&1 || true
  PROBE_PID=""
  cat "$WORK/probe/$1.json"
}

probe_figure() { node -e "const c=require('$WORK/probe/$1.json'); console.log(c.$2)"; }

# check_probe NAME WHAT: stops probe NAME and checks that the api answered every one of more
# than 20 requests during WHAT (a rollout).
check_probe() {
  local name="$1" what="$2"
  echo "      requests during $what: $(stop_probe "$name")"
  if [ "$(probe_figure "$name" failed)" = 0 ] && [ "$(probe_figure "$name" requests)" -gt 20 ]; then
    ok "$(probe_figure "$name" requests) requests during $what, 0 failed"
  else
    not_ok "$(probe_figure "$name" failed) of $(probe_figure "$name" requests) requests failed during $what"
  fi
}

running_images() {
  docker service ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Name}} {{.Image}}' | sort
}

step "docker-compose.prod.yml as docker stack deploy reads it"
# docker stack deploy reads ${VAR:?a-message} as ${VAR-default}: a `-` in a message deploys the
# rest of the message as the value.
hyphenated="$(grep -oE '\$\{[A-Z0-9_]+:\?[^}]*-[^}]*\}' docker-compose.prod.yml docker-compose.swarm.yml || true)"
if [ -z "$hyphenated" ]; then
  ok "no \${VAR:?message} with a '-' in its message"
else
  not_ok "messages with a '-' (docker stack deploy takes them for defaults):"
  show <<<"$hyphenated"
fi

step "engine"
state="$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null || echo none)"
case "$state" in
  "active true") echo "engine is already a Swarm manager; the test uses stack $STACK only" ;;
  "inactive "*)
    if docker swarm init --advertise-addr 127.0.0.1 >"$WORK/init.log" 2>&1; then
      INITIALISED=1
      echo "docker swarm init (left again at the end)"
    else
      echo "SKIP swarm: docker swarm init failed: $(head -n 1 "$WORK/init.log")"
      exit "$((FAILURES > 0))"
    fi
    ;;
  *) echo "SKIP swarm: this engine cannot manage a swarm ($state)"; exit "$((FAILURES > 0))" ;;
esac
trap cleanup EXIT
scripts/dcswarm.sh down -v >/dev/null 2>&1 || true

# The compose test's env file without the single-host parts, with the stack's PostgreSQL.
ENV="$WORK/env.swarm"
password="$(sed -n 's/^POSTGRES_PASSWORD=//p' "$BASE_ENV")"
grep -v -e '^COMPOSE_PROFILES=' -e '^DATABASE_URL=' -e '^REDIS_HOST_PORT=' -e '^POSTGRES_HOST_PORT=' "$BASE_ENV" >"$ENV"
{
  echo "DATABASE_URL=postgres://nudge:$password@postgres:5432/nudge"
  # The kernel's IPVS, behind Swarm's virtual IPs and routing mesh, is missing from some engines
  # (in containers, say): dnsrr needs none. NUDGE_TEST_SWARM_ENDPOINT_MODE=vip tests the default.
  echo "NUDGE_ENDPOINT_MODE=${NUDGE_TEST_SWARM_ENDPOINT_MODE:-dnsrr}"
  # Rollouts in seconds, not minutes: the health probe is the image's (every 10 s).
  echo "NUDGE_ROLLOUT_MONITOR=15s"
} >>"$ENV"
tag="$(sed -n 's/^NUDGE_TAG=//p' "$ENV")"
for role in api calls worker; do docker tag "nudge-$role:$tag" "nudge-$role:$tag-next"; done

step "dcswarm.sh up: docker stack deploy of docker-compose.prod.yml, on an empty database"
t=$SECONDS
if swarm up --resolve-image never >"$WORK/up.log" 2>&1; then
  ok "stack $STACK converged in $((SECONDS - t))s: $(tail -n 1 "$WORK/up.log" | sed 's/^dcswarm: converged: //')"
else
  not_ok "dcswarm.sh up failed"
  show <"$WORK/up.log"
  exit 1
fi
want="$(sed -n 's/^VAPID_PUBLIC_KEY=//p' "$ENV")"
got="$(docker service inspect -f '{{range .Spec.TaskTemplate.ContainerSpec.Env}}{{println .}}{{end}}' "${STACK}_api" | sed -n 's/^VAPID_PUBLIC_KEY=//p')"
if [ "$got" = "$want" ]; then ok "the api's VAPID_PUBLIC_KEY is the env file's"; else not_ok "the api's VAPID_PUBLIC_KEY is '$got', not the env file's"; fi
secrets="$(docker secret ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Name}}' | wc -l)"
key="$(sed -n 's/^CREDENTIALS_ENCRYPTION_KEY=//p' "$ENV")"
if [ "$secrets" = 4 ] && ! docker service inspect "${STACK}_api" "${STACK}_worker" | grep -qF "$key"; then
  ok "4 Swarm secrets; the encryption key is in no service's spec"
else
  not_ok "secrets: $secrets in the stack, or the encryption key is in a service spec"
fi
for role in calls worker; do
  logs="$(docker service logs --raw "${STACK}_$role" 2>&1)"
  waited="$(grep -c '"event":"db.schema.not_current"' <<<"$logs" || true)"
  if grep -q '"event":"process.started"' <<<"$logs" && ! grep -q '"event":"db.schema.column_missing"' <<<"$logs" &&
    ! grep -q '^    at ' <<<"$logs"; then
    ok "$role started once the schema was current ($waited db.schema.not_current line(s) before), no stack trace"
  else
    not_ok "$role did not start cleanly"
    tail -n 8 <<<"$logs" | show
  fi
done

step "scale: worker=3 api=2"
t=$SECONDS
if swarm scale worker=3 api=2 >"$WORK/scale.log" 2>&1; then
  ok "scaled in $((SECONDS - t))s: $(tail -n 1 "$WORK/scale.log")"
else
  not_ok "scale failed"
  show <"$WORK/scale.log"
fi
# The file decides the replicas at every deploy: keep the scale in the env files that follow.
printf 'NUDGE_API_REPLICAS=2\nNUDGE_WORKER_REPLICAS=3\n' >>"$ENV"
sed "s|^VAPID_PUBLIC_KEY=.*|VAPID_PUBLIC_KEY=not-a-vapid-key|" "$ENV" >"$WORK/env.bad"
sed "s|^NUDGE_TAG=.*|NUDGE_TAG=$tag-next|" "$ENV" >"$WORK/env.next"
observe="${NUDGE_TEST_SWARM_OBSERVE_SECONDS:-70}"
schedules="$(psql_stack "select count(*) from job_schedules where enabled")"
echo "      $schedules enabled schedule(s); watching job_runs for ${observe}s with 3 workers"
since="$(psql_stack "select now()")"
sleep "$observe"
runs="$(psql_stack "select count(*) from job_runs where schedule_id is not null and created_at >= '$since'")"
dupes="$(psql_stack "select count(*) from (select 1 from job_runs where schedule_id is not null group by schedule_id, scheduled_for having count(*) > 1) d")"
workers="$(psql_stack "select count(*) from service_heartbeats where role = 'worker' and schedulers_enabled")"
if [ "$runs" -gt 0 ] && [ "$dupes" = 0 ] && [ "$workers" = 3 ]; then
  ok "3 workers heartbeat; $runs scheduled run(s) in ${observe}s, 0 duplicate (schedule_id, scheduled_for)"
else
  not_ok "workers=$workers runs=$runs duplicates=$dupes (expected 3 workers, runs > 0, 0 duplicates)"
fi

step "bad config rolled out (VAPID_PUBLIC_KEY): Swarm rolls back, the api answers throughout"
before="$(running_images)"
start_probe bad
t=$SECONDS
if USE_ENV="$WORK/env.bad" swarm up --resolve-image never >"$WORK/up-bad.log" 2>&1; then
  not_ok "dcswarm.sh up with a bad VAPID_PUBLIC_KEY succeeded"
  show <"$WORK/up-bad.log"
elif grep -q 'VAPID_PUBLIC_KEY' "$WORK/up-bad.log" && grep -q 'rollout not applied' "$WORK/up-bad.log"; then
  ok "dcswarm.sh up fails in $((SECONDS - t))s naming the cause: $(grep -m 1 -o '"msg":"[^"]*VAPID_PUBLIC_KEY[^"]*"' "$WORK/up-bad.log" | cut -c1-160)"
else
  not_ok "dcswarm.sh up failed without naming VAPID_PUBLIC_KEY and the rollback"
  show <"$WORK/up-bad.log"
fi
sleep 5
check_probe bad "the bad rollout and its rollback"
api_state="$(docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{else}}none{{end}}' "${STACK}_api")"
if [ "$api_state" = rollback_completed ] && [ "$(running_images)" = "$before" ]; then
  ok "api rollout state $api_state; every service runs the images it ran before"
else
  not_ok "after the bad rollout: api state $api_state"
fi

step "good new version rolled out (NUDGE_TAG $tag-next), no failed request"
start_probe next
t=$SECONDS
if USE_ENV="$WORK/env.next" swarm up --resolve-image never >"$WORK/up-next.log" 2>&1; then
  ok "new version converged in $((SECONDS - t))s"
else
  not_ok "rollout of the new version failed"
  show <"$WORK/up-next.log"
fi
check_probe next "the new version's rollout"
if [ "$(running_images | grep -c -- "-next")" = 3 ] && [ "$(docker service inspect -f '{{.Spec.Mode.Replicated.Replicas}}' "${STACK}_worker")" = 3 ]; then
  ok "api, calls and worker run $tag-next; worker still at 3 replicas"
else
  not_ok "after the rollout: $(running_images | tr '\n' ';')"
fi

step "dcswarm.sh down: docker stack rm leaves nothing"
scripts/dcswarm.sh down -v >"$WORK/down.log" 2>&1 || show <"$WORK/down.log"
left="$(docker service ls -q --filter "label=com.docker.stack.namespace=$STACK" | wc -l)"
left_c="$(docker ps -aq --filter "label=com.docker.stack.namespace=$STACK" | wc -l)"
left_s="$(docker secret ls -q --filter "label=com.docker.stack.namespace=$STACK" | wc -l)"
if [ "$left" = 0 ] && [ "$left_c" = 0 ] && [ "$left_s" = 0 ]; then
  ok "no service, container or secret of stack $STACK is left"
else
  not_ok "left after down: $left service(s), $left_c container(s), $left_s secret(s)"
fi
for role in api calls worker; do docker rmi "nudge-$role:$tag-next" >/dev/null 2>&1 || true; done

step "swarm done in $((SECONDS - STARTED))s"
if [ "$FAILURES" -eq 0 ]; then
  echo "swarm: all $CHECKS checks passed"
else
  echo "swarm: $FAILURES of $CHECKS checks FAILED"
  exit 1
fi
