# shellcheck shell=bash
# The operator scripts' checks in `pnpm test:compose`: sourced by scripts/test_compose.sh, which
# calls ops_checks on a healthy deployment (profile with-db) and expects it healthy afterwards.
# Uses test_compose.sh's helpers (step, ok, not_ok, expect_failure, show, psql_nudge, WORK, TAG).

# wait_postgres_ready: until the postgres container answers pg_isready (at most 60 s).
wait_postgres_ready() {
  local _
  for _ in $(seq 1 60); do
    [ -z "$(health_problems postgres)" ] && return 0
    sleep 1
  done
  return 1
}

ops_compose_files() {
  step "compose files: nothing published by default; docker-compose.override.yml and -f are honoured"
  local published
  # docker compose prints published ports as `published:`, docker-compose v1 as `- [IP:]HOST:CONTAINER/tcp`.
  published="$(compose config 2>/dev/null | grep -cE 'published:|^ *- ([0-9.]+:)?[0-9]+:[0-9]+(/(tcp|udp))?$' || true)"
  if [ "$published" = 0 ]; then
    ok "docker-compose.prod.yml publishes no port (redis and postgres included)"
  else
    not_ok "docker-compose.prod.yml publishes $published port(s)"
  fi
  if compose -f docker-compose.override.example.yml config 2>/dev/null | grep -qE 'host_ip: 127\.0\.0\.1|^ *- 127\.0\.0\.1:[0-9]+:[0-9]+'; then
    ok "docker-compose.override.example.yml publishes on 127.0.0.1"
  else
    not_ok "docker-compose.override.example.yml does not publish on 127.0.0.1"
  fi
  # A real override through dcprod.sh -f: a label on redis (recreating it keeps its data).
  printf 'services:\n  redis:\n    labels:\n      nudge.test.override: "%s"\n' "$DCPROD_PROJECT" >"$WORK/override.yml"
  if scripts/dcprod.sh -f "$WORK/override.yml" up >"$WORK/up-override.log" 2>&1 \
    && [ "$(docker inspect -f '{{index .Config.Labels "nudge.test.override"}}' "$(running_container_of redis)")" = "$DCPROD_PROJECT" ]; then
    ok "dcprod.sh -f FILE up applies the extra compose file"
  else
    not_ok "dcprod.sh -f FILE up did not apply the extra compose file"
    show <"$WORK/up-override.log"
  fi
  if scripts/verify_production.sh -f "$WORK/override.yml" >"$WORK/v-override.log" 2>&1 \
    && grep -q '^PASS  config .*override.yml' "$WORK/v-override.log"; then
    ok "verify_production.sh -f FILE reads the same file set and passes"
  else
    not_ok "verify_production.sh -f FILE fails or does not read the file"
    show <"$WORK/v-override.log"
  fi
}

ops_refuses_bad_config() {
  step "dcprod.sh up with a bad VAPID key and LOG_LEVEL: refused before anything is replaced"
  local api_before bad="$WORK/env.bad-vapid" t
  api_before="$(running_container_of api)"
  sed -e 's/^VAPID_PUBLIC_KEY=.*/VAPID_PUBLIC_KEY=not-a-p256-key/' "$DCPROD_ENV_FILE" >"$bad"
  echo 'LOG_LEVEL=loud' >>"$bad"
  t=$SECONDS
  expect_failure "dcprod.sh up with a bad config" "refusing to deploy: api calls worker would not start" "$WORK/up-bad-config.log" \
    scripts/dcprod.sh --env-file "$bad" up
  echo "      refused in $((SECONDS - t))s"
  local named
  named="$(grep -cE '^  (api|worker): (VAPID_PUBLIC_KEY|LOG_LEVEL) ' "$WORK/up-bad-config.log" || true)"
  if [ "$named" = 4 ] && grep -qE '^  calls: LOG_LEVEL ' "$WORK/up-bad-config.log"; then
    ok "every bad variable of every role is named (VAPID_PUBLIC_KEY and LOG_LEVEL for api and worker, LOG_LEVEL for calls)"
  else
    not_ok "expected VAPID_PUBLIC_KEY and LOG_LEVEL named for api and worker, and LOG_LEVEL for calls"
    show <"$WORK/up-bad-config.log"
  fi
  if [ "$(running_container_of api)" = "$api_before" ] && [ -z "$(health_problems api calls worker)" ]; then
    ok "the running api container was not replaced and every role is still healthy"
  else
    not_ok "the refused deploy touched the running containers: $(health_problems api calls worker | tr '\n' ';')"
  fi
}

ops_postgres_clean_stop() {
  step "postgres alone stopped and started: a clean shutdown, no recovery"
  local pg since t
  pg="$(running_container_of postgres)"
  since="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  t=$SECONDS
  compose stop postgres >/dev/null 2>&1
  echo "      stopped in $((SECONDS - t))s (stop_signal $(docker inspect -f '{{.Config.StopSignal}}' "$pg"))"
  compose start postgres >/dev/null 2>&1
  wait_postgres_ready || true
  docker logs --since "$since" "$pg" >"$WORK/postgres-restart.log" 2>&1
  if grep -Eq 'database system was not properly shut down|redo starts|automatic recovery' "$WORK/postgres-restart.log"; then
    not_ok "postgres ran recovery after a stop of the service"
    grep -E 'shut down|redo|recovery' "$WORK/postgres-restart.log" | show
  elif grep -q 'database system is shut down' "$WORK/postgres-restart.log"; then
    ok "postgres shut down cleanly and started without recovery"
    grep -E 'fast shutdown|database system is shut down|ready to accept' "$WORK/postgres-restart.log" | head -n 3 | show
  else
    not_ok "no shutdown line in the postgres log"
    show <"$WORK/postgres-restart.log"
  fi
}

ops_backup_restore() {
  step "backup, destroy the postgres volume, restore: the organisation and its alerts are back"
  local api created org_id dump alerts t
  api="$(running_container_of api)"
  created="$(docker exec "$api" nudge-admin create-org --org 'Backup Test' --email backup@nudge.test --name Backup 2>&1)"
  org_id="$(sed -n 's/.*"orgId":"\([^"]*\)".*/\1/p' <<<"$created")"
  alerts="$(psql_nudge "
    with u as (select id from users where email = 'backup@nudge.test'),
    r as (insert into alert_rules (user_id) select id from u returning id, user_id),
    m as (insert into meetings (user_id, external_id, starts_at, ends_at)
          select u.id, 'backup-' || n, now() - interval '2 days', now() - interval '2 days' + interval '1 hour'
          from u, generate_series(1, 2) n returning id, user_id),
    a as (insert into alerts (user_id, meeting_id, rule_id, due_at, state)
          select m.user_id, m.id, r.id, now() - interval '2 days', 'acknowledged' from m join r using (user_id) returning id)
    select count(*) from a" 2>&1 || true)"
  if [ -z "$org_id" ] || [ "$alerts" != 2 ]; then
    not_ok "could not create the organisation and two alerts to back up: $created $alerts"
    return 0
  fi
  t=$SECONDS
  if scripts/backup.sh --out "$WORK/backups" >"$WORK/backup.log" 2>&1; then
    dump="$(sed -n 's/^backup: \(.*\.dump\) (.*/\1/p' "$WORK/backup.log")"
    ok "backup.sh wrote $(basename "$dump") in $((SECONDS - t))s: $(sed -n 's/^backup: .*(\(.*\))$/\1/p' "$WORK/backup.log")"
  else
    not_ok "backup.sh failed"
    show <"$WORK/backup.log"
    return 0
  fi
  local latest
  latest="$(psql_nudge "select max(name) from migrations")"
  if [[ "$dump" == *"-schema-$latest.dump" ]]; then
    ok "the file name carries the schema version $latest"
  else
    not_ok "the file name $(basename "$dump") does not carry the newest applied migration $latest"
  fi
  cp "$dump" "$WORK/backups/nudge-future-schema-9999_from_the_future.dump"
  expect_failure "restore.sh refuses a dump newer than the code" "9999_from_the_future is newer than this code's newest migration $latest" \
    "$WORK/restore-future.log" scripts/restore.sh "$WORK/backups/nudge-future-schema-9999_from_the_future.dump"

  compose stop api calls worker >/dev/null 2>&1
  compose rm -sf postgres >/dev/null 2>&1
  if docker volume rm "${DCPROD_PROJECT}_postgres-data" >/dev/null; then
    ok "postgres container and volume destroyed"
  else
    not_ok "could not remove the volume ${DCPROD_PROJECT}_postgres-data"
  fi
  t=$SECONDS
  if scripts/restore.sh "$dump" >"$WORK/restore.log" 2>&1; then
    ok "restore.sh restored into a new volume in $((SECONDS - t))s"
  else
    not_ok "restore.sh failed"
    show <"$WORK/restore.log"
  fi
  local orgs back
  orgs="$(psql_nudge "select count(*) from organizations where id = '$org_id'" 2>&1 || true)"
  back="$(psql_nudge "select count(*) from alerts a join users u on u.id = a.user_id where u.email = 'backup@nudge.test'" 2>&1 || true)"
  if [ "$orgs" = 1 ] && [ "$back" = 2 ]; then
    ok "the organisation $org_id and its 2 alerts are back"
  else
    not_ok "after restore: organisation rows $orgs, alerts $back (expected 1 and 2)"
  fi
  t=$SECONDS
  if scripts/dcprod.sh up >"$WORK/up-restored.log" 2>&1 && scripts/verify_production.sh >"$WORK/v-restored.log" 2>&1; then
    ok "dcprod.sh up and verify_production.sh pass on the restored database ($((SECONDS - t))s)"
  else
    not_ok "the restored deployment does not come up healthy and verified"
    show <"$WORK/up-restored.log"
    show <"$WORK/v-restored.log"
  fi
}

ops_checks() {
  ops_compose_files
  ops_refuses_bad_config
  ops_postgres_clean_stop
  ops_backup_restore
}
