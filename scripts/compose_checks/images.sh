# shellcheck shell=bash
# Sourced by scripts/test_compose.sh once the deployment is up and verified; uses its helpers
# (step, ok, not_ok, show, expect_failure, compose, running_container_of) and variables (TAG,
# WORK, DCPROD_ENV_FILE, DCPROD_PROJECT). Checks the images' size, the containers' hardening,
# Redis' password, digest pinning and a secret read from a file.

# Sizes before the per-API Google package, the per-role builds and the minimal runtime; each
# role's image must now be at most 40% of it.
IMAGES_BASELINE_MB=(api=665 calls=427 worker=696)

images_sizes() {
  step "image sizes (goal: each role at most 40% of its size before)"
  local entry role before size_mb limit_mb
  for entry in "${IMAGES_BASELINE_MB[@]}"; do
    role="${entry%%=*}"
    before="${entry#*=}"
    size_mb="$(($(docker image inspect -f '{{.Size}}' "nudge-$role:$TAG") / 1000000))"
    limit_mb="$((before * 40 / 100))"
    if [ "$size_mb" -le "$limit_mb" ]; then
      ok "nudge-$role:$TAG is $size_mb MB (was $before MB, limit $limit_mb MB)"
    else
      not_ok "nudge-$role:$TAG is $size_mb MB, over $limit_mb MB (40% of $before MB)"
    fi
  done
}

images_hardening() {
  step "hardening: read-only root, no capabilities, no-new-privileges, limits"
  local svc id settings
  for svc in api calls worker; do
    id="$(running_container_of "$svc")"
    settings="$(docker inspect -f 'user={{.Config.User}} ro={{.HostConfig.ReadonlyRootfs}} capdrop={{.HostConfig.CapDrop}} capadd={{.HostConfig.CapAdd}} secopt={{.HostConfig.SecurityOpt}} mem={{.HostConfig.Memory}} cpus={{.HostConfig.NanoCpus}} pids={{.HostConfig.PidsLimit}} tmpfs={{.HostConfig.Tmpfs}}' "$id")"
    if grep -Eq 'user=node ro=true capdrop=\[ALL\] capadd=(\[\]|<no value>) secopt=\[no-new-privileges:true\]' <<<"$settings" \
      && ! grep -Eq 'mem=0 |cpus=0 |pids=(0|<nil>) ' <<<"$settings" && grep -q 'tmpfs=map\[/tmp:' <<<"$settings"; then
      ok "$svc runs hardened: $settings"
    else
      not_ok "$svc is not hardened as the compose file says: $settings"
    fi
  done
  id="$(running_container_of api)"
  if out="$(docker exec "$id" node -e "require('fs').writeFileSync('/app/dist/planted.js', '')" 2>&1)"; then
    not_ok "the api could write into /app on its read-only root filesystem"
  elif grep -q 'EROFS' <<<"$out"; then
    ok "the api cannot write its own code (EROFS)"
  else
    not_ok "writing into /app failed, but not with EROFS: $(head -n 3 <<<"$out")"
  fi
  if docker exec "$id" node -e "require('fs').writeFileSync('/tmp/scratch', 'x')" >/dev/null 2>&1; then
    ok "the api can write to its /tmp tmpfs"
  else
    not_ok "the api cannot write to /tmp"
  fi
  if docker exec "$id" sh -c true >/dev/null 2>&1; then
    not_ok "the api image has a shell"
  else
    ok "the api image has no shell (Node, its libraries and the app only)"
  fi
}

images_redis_password() {
  step "Redis requires REDIS_PASSWORD"
  local redis out
  redis="$(running_container_of redis)"
  out="$(docker exec -e REDISCLI_AUTH= "$redis" redis-cli ping 2>&1 || true)"
  if grep -q 'NOAUTH' <<<"$out"; then
    ok "Redis refuses a client without the password: $(grep -m 1 NOAUTH <<<"$out")"
  else
    not_ok "Redis answered a client without the password: $out"
  fi
  out="$(docker exec "$redis" redis-cli ping 2>&1 || true)"
  if [ "$out" = PONG ]; then ok "Redis answers with the password (REDISCLI_AUTH)"; else not_ok "Redis with the password: $out"; fi
  grep -v '^REDIS_PASSWORD=' "$DCPROD_ENV_FILE" >"$WORK/env.no-redis-password"
  expect_failure "config without REDIS_PASSWORD" "set REDIS_PASSWORD in the env file" "$WORK/config-redis.log" \
    "${COMPOSE[@]}" -f docker-compose.prod.yml --env-file "$WORK/env.no-redis-password" config -q
}

images_digest_pinning() {
  step "images pinnable by digest (NUDGE_<ROLE>_DIGEST)"
  local digest="@sha256:$(printf '%064d' 0 | tr 0 a)" rendered
  cp "$DCPROD_ENV_FILE" "$WORK/env.pinned"
  echo "NUDGE_WORKER_DIGEST=$digest" >>"$WORK/env.pinned"
  rendered="$("${COMPOSE[@]}" -f docker-compose.prod.yml --env-file "$WORK/env.pinned" config 2>&1 | grep -E '^ +image: nudge-(api|worker)' || true)"
  if grep -qx " *image: nudge-worker:$TAG$digest" <<<"$rendered" && grep -qx " *image: nudge-api:$TAG" <<<"$rendered"; then
    ok "NUDGE_WORKER_DIGEST pins the worker to nudge-worker:$TAG@sha256:…; the api keeps nudge-api:$TAG"
  else
    not_ok "digest pinning did not render as expected:"
    show <<<"$rendered"
  fi
}

images_secret_from_file() {
  step "a secret from a file: DATABASE_URL_FILE (and Sentry loads from the pruned image)"
  local network="${DCPROD_PROJECT}_default" name="$DCPROD_PROJECT-secret-file" secret="$WORK/database_url"
  grep '^DATABASE_URL=' "$DCPROD_ENV_FILE" | cut -d= -f2- >"$secret"
  chmod 0444 "$secret"
  grep -v '^DATABASE_URL=' "$DCPROD_ENV_FILE" >"$WORK/env.no-database-url"
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --init --name "$name" --network "$network" --read-only --cap-drop ALL \
    --env-file "$WORK/env.no-database-url" -e ENABLE_SCHEDULERS=false -e SENTRY_DSN=http://public@127.0.0.1:9/1 \
    -e DATABASE_URL_FILE=/run/secrets/database_url -v "$secret:/run/secrets/database_url:ro" \
    "nudge-calls:$TAG" >/dev/null
  local state=""
  for _ in $(seq 1 60); do
    state="$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$name" 2>/dev/null || true)"
    case "$state" in "running healthy" | exited*) break ;; esac
    sleep 2
  done
  if [ "$state" = "running healthy" ]; then
    ok "calls reads DATABASE_URL from DATABASE_URL_FILE, starts Sentry (SENTRY_DSN) and becomes healthy"
  else
    not_ok "calls with DATABASE_URL_FILE: $state"
    docker logs "$name" 2>&1 | tail -n 5 | show
  fi
  docker rm -f "$name" >/dev/null 2>&1 || true
  expect_failure "DATABASE_URL and DATABASE_URL_FILE both set" '"event":"config.invalid".*DATABASE_URL and DATABASE_URL_FILE are both set' \
    "$WORK/secret-both.log" docker run --rm --network "$network" --env-file "$DCPROD_ENV_FILE" \
    -e DATABASE_URL_FILE=/run/secrets/database_url -v "$secret:/run/secrets/database_url:ro" "nudge-calls:$TAG"
  expect_failure "DATABASE_URL_FILE naming a missing file" 'DATABASE_URL_FILE names a file that cannot be read: /run/secrets/nothing \(ENOENT\)' \
    "$WORK/secret-missing.log" docker run --rm --network "$network" --env-file "$WORK/env.no-database-url" \
    -e DATABASE_URL_FILE=/run/secrets/nothing "nudge-calls:$TAG"
  if grep -qF "$(cut -d@ -f1 "$secret" | cut -d: -f3)" "$WORK/secret-both.log" "$WORK/secret-missing.log"; then
    not_ok "a secret-file error printed the database password"
  else
    ok "secret-file errors print no password"
  fi
}

images_checks() {
  images_sizes
  images_hardening
  images_redis_password
  images_digest_pinning
  images_secret_from_file
}
