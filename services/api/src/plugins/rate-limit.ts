import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimitConfig } from '@nudge/config';
import type { Redis } from '@nudge/service';

const BEARER = /^Bearer (\S+)$/;

/** A presented token's bucket (by its hash: the token itself is never a key), else the client address's. */
function bucketOf(request: FastifyRequest): string {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  return token === undefined ? `address:${request.ip}` : `token:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
}

function unlimited(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  return path.startsWith('/health/') || path === '/metrics';
}

/**
 * Rate limits with @fastify/rate-limit: per token on authenticated calls, per client address
 * otherwise (check-in links, the OAuth callback). With a Redis client the counters live in
 * Redis, so replicas share them. A refusal is a 429 in the error format with Retry-After.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: { limits: RateLimitConfig; redis?: Redis }) => {
    await app.register(rateLimit, {
      global: true,
      timeWindow: 60_000,
      max: (_request, key) => (key.startsWith('token:') ? options.limits.perToken : options.limits.perAddress),
      keyGenerator: bucketOf,
      allowList: unlimited,
      ...(options.redis === undefined ? {} : { redis: options.redis, nameSpace: 'nudge-rate-limit:' }),
      // Counters unreachable (Redis down): serve rather than refuse everyone.
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        Object.assign(new Error(`too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`), { statusCode: 429 }),
    });
  },
  { name: 'nudge-rate-limit' },
);
