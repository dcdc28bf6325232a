#!/usr/bin/env bash
# Builds local stand-ins for the official base images (node, redis, postgres) when no image
# registry is reachable: a debootstrapped Debian bookworm, imported into Docker, plus the Node 22
# binary this script runs under and Debian's redis-server / postgresql packages. Images that
# already exist are kept, so a CI machine builds them once (dockerd keeps them across runs).
# Prints nothing but progress on stderr; the image names are fixed (see STANDIN_* below).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

STANDIN_DEBIAN="${STANDIN_DEBIAN:-nudge-standin/debian:bookworm}"
STANDIN_NODE="${STANDIN_NODE:-nudge-standin/node:22-bookworm-slim}"
STANDIN_REDIS="${STANDIN_REDIS:-nudge-standin/redis:7}"
STANDIN_POSTGRES="${STANDIN_POSTGRES:-nudge-standin/postgres:15}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

log() { printf 'standins: %s\n' "$*" >&2; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! have_image "$STANDIN_DEBIAN"; then
  command -v debootstrap >/dev/null || { log "debootstrap is missing (apt-get install -y debootstrap)"; exit 1; }
  log "debootstrap bookworm (minbase) from $DEBIAN_MIRROR"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb
  tar -C "$work/rootfs" -c . | docker import - "$STANDIN_DEBIAN" >/dev/null
  rm -rf "$work/rootfs"
fi

if ! have_image "$STANDIN_NODE"; then
  node_bin="$(node -p process.execPath)"
  [ "$("$node_bin" -p 'process.versions.node.split(".")[0]')" = 22 ] || { log "needs Node 22 on PATH"; exit 1; }
  log "node stand-in from $("$node_bin" --version) and npm@10"
  mkdir -p "$work/node/npm"
  cp "$node_bin" "$work/node/node"
  # Builds fetch packages over TLS: trust what this machine trusts (a proxy's CA included).
  ca="${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-}}"
  if [ -n "$ca" ] && [ -r "$ca" ]; then
    cp "$ca" "$work/node/ca.crt"
  else
    "$node_bin" -p 'require("node:tls").rootCertificates.join("\n")' > "$work/node/ca.crt"
  fi
  (cd "$work" && npm pack --silent npm@10 >/dev/null)
  tar -xzf "$work"/npm-*.tgz -C "$work/node/npm" --strip-components=1
  docker build -q --build-arg BASE_IMAGE="$STANDIN_DEBIAN" -f "$here/node.Dockerfile" -t "$STANDIN_NODE" "$work/node" >/dev/null
fi

if ! have_image "$STANDIN_REDIS"; then
  log "redis stand-in (Debian redis-server)"
  mkdir -p "$work/redis"
  docker build -q --build-arg BASE_IMAGE="$STANDIN_DEBIAN" -f "$here/redis.Dockerfile" -t "$STANDIN_REDIS" "$work/redis" >/dev/null
fi

if ! have_image "$STANDIN_POSTGRES"; then
  log "postgres stand-in (Debian postgresql)"
  mkdir -p "$work/postgres"
  cp "$here/postgres-entrypoint.sh" "$work/postgres/"
  docker build -q --build-arg BASE_IMAGE="$STANDIN_DEBIAN" -f "$here/postgres.Dockerfile" -t "$STANDIN_POSTGRES" "$work/postgres" >/dev/null
fi
log "ready: $STANDIN_NODE $STANDIN_REDIS $STANDIN_POSTGRES"
