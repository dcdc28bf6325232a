import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimitConfig } from '@nudge/config';
import { HttpError, type Redis } from '@nudge/service';
import { hashApiToken } from '../auth/api-token.js';
import type { KnownTokens } from '../auth/known-tokens.js';
import { hashSessionSecret } from '../sessions/session-store.js';

const BEARER = /^Bearer (\S+)$/;

interface ProvenToken {
  hash: string;
  orgId: string;
}

/** The request's bearer token (or else its session cookie), when it was recently proven valid. */
function provenToken(
  request: FastifyRequest,
  knownTokens: KnownTokens,
  sessionCookie: string,
): ProvenToken | undefined {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  const session = token === undefined ? request.cookies[sessionCookie] : undefined;
  if (token === undefined && session === undefined) return undefined;
  const hash = token !== undefined ? hashApiToken(token) : hashSessionSecret(session!);
  const orgId = knownTokens.orgOf(hash);
  return orgId === undefined ? undefined : { hash, orgId };
}

/** A proven token's own bucket (keyed by its hash, never the token), else the client address's. */
function bucketOf(request: FastifyRequest, knownTokens: KnownTokens, sessionCookie: string): string {
  const proven = provenToken(request, knownTokens, sessionCookie);
  return proven !== undefined ? `token:${proven.hash.slice(0, 32)}` : `address:${request.ip}`;
}

function unlimited(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  // Google delivers every user's calendar notifications from a few addresses: an address limit
  // would drop real changes. The route answers forged ones with one indexed lookup and a 404.
  return path.startsWith('/health/') || path === '/metrics' || path === '/v1/calendar/google/notifications';
}

const tooMany = (seconds: number, whose = '') => `too many requests${whose}; try again in ${seconds} s`;

/**
 * Rate limits with @fastify/rate-limit: per token on authenticated calls, per client address
 * otherwise (check-in links, the OAuth callback, and any token not yet proven valid), and on top
 * of a token's own budget one for its whole organisation, so that an admin minting users and
 * tokens cannot multiply what the organisation may send. With a Redis client the counters live
 * in Redis, so replicas share them. A refusal is a 429 in the error format with Retry-After.
 */
export const rateLimitPlugin = fp(
  async (
    app: FastifyInstance,
    options: { limits: RateLimitConfig; knownTokens: KnownTokens; sessionCookie: string; redis?: Redis },
  ) => {
    await app.register(rateLimit, {
      // Not per route: route-level hooks would run after authentication, which would then
      // answer 401 to token sprayers before any counting. One root hook counts first.
      global: false,
      timeWindow: 60_000,
      max: (_request, key) => (key.startsWith('token:') ? options.limits.perToken : options.limits.perAddress),
      keyGenerator: (request) => bucketOf(request, options.knownTokens, options.sessionCookie),
      allowList: unlimited,
      ...(options.redis === undefined ? {} : { redis: options.redis, nameSpace: 'nudge-rate-limit:' }),
      // Counters unreachable (Redis down): serve rather than refuse everyone.
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        Object.assign(new Error(tooMany(Math.ceil(context.ttl / 1000))), { statusCode: 429 }),
    });
    app.addHook('onRequest', app.rateLimit());

    // A second counter in the same store. rateLimit() runs once per request, so this one is
    // applied by hand: createRateLimit only counts, and the refusal is ours.
    const organisationLimit = app.createRateLimit({
      max: options.limits.perOrg,
      keyGenerator: (request) => `org:${provenToken(request, options.knownTokens, options.sessionCookie)?.orgId ?? ''}`,
      allowList: (request) =>
        unlimited(request) || provenToken(request, options.knownTokens, options.sessionCookie) === undefined,
    });
    app.addHook('onRequest', async (request, reply) => {
      const outcome = await organisationLimit(request);
      if (outcome.isAllowed || !outcome.isExceeded) return;
      void reply.header('retry-after', String(outcome.ttlInSeconds));
      throw new HttpError(429, 'rate_limited', tooMany(outcome.ttlInSeconds, ' from your organisation'));
    });
  },
  { name: 'nudge-rate-limit' },
);
