import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimitConfig } from '@nudge/config';
import type { Redis } from '@nudge/service';
import { hashApiToken } from '../auth/api-token.js';
import type { KnownTokens } from '../auth/known-tokens.js';

const BEARER = /^Bearer (\S+)$/;

/** A proven token's own bucket (keyed by its hash, never the token), else the client address's. */
function bucketOf(request: FastifyRequest, knownTokens: KnownTokens): string {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  const hash = token === undefined ? undefined : hashApiToken(token);
  return hash !== undefined && knownTokens.has(hash) ? `token:${hash.slice(0, 32)}` : `address:${request.ip}`;
}

function unlimited(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  return path.startsWith('/health/') || path === '/metrics';
}

/**
 * Rate limits with @fastify/rate-limit: per token on authenticated calls, per client address
 * otherwise (check-in links, the OAuth callback, and any token not yet proven valid). With a Redis client the counters live in
 * Redis, so replicas share them. A refusal is a 429 in the error format with Retry-After.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: { limits: RateLimitConfig; knownTokens: KnownTokens; redis?: Redis }) => {
    await app.register(rateLimit, {
      // Not per route: route-level hooks would run after authentication, which would then
      // answer 401 to token sprayers before any counting. One root hook counts first.
      global: false,
      timeWindow: 60_000,
      max: (_request, key) => (key.startsWith('token:') ? options.limits.perToken : options.limits.perAddress),
      keyGenerator: (request) => bucketOf(request, options.knownTokens),
      allowList: unlimited,
      ...(options.redis === undefined ? {} : { redis: options.redis, nameSpace: 'nudge-rate-limit:' }),
      // Counters unreachable (Redis down): serve rather than refuse everyone.
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        Object.assign(new Error(`too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`), { statusCode: 429 }),
    });
    app.addHook('onRequest', app.rateLimit());
  },
  { name: 'nudge-rate-limit' },
);
