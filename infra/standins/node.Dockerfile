# Stand-in for node:22-bookworm-slim where no registry is reachable (used by
# scripts/test_compose.sh): Debian bookworm plus the Node 22 binary, npm, and the `node` user
# (uid 1000) laid out as in the official image. ca.crt is the build machine's CA bundle, so npm
# and pnpm inside builds trust a TLS-intercepting proxy where there is one.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca.crt /usr/local/share/nudge-standin/ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/nudge-standin/ca.crt \
    npm_config_cafile=/usr/local/share/nudge-standin/ca.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
CMD ["node"]
