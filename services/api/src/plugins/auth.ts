import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import { forbidden, HttpError, unauthorized } from '@nudge/service';
import { hashApiToken } from '../auth/api-token.js';
import { findCallerByToken, type Caller } from '../auth/caller.js';
import type { KnownTokens } from '../auth/known-tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

const BEARER = /^Bearer ([^\s]+)$/;

/** The caller of a route behind `requireCaller`; it cannot be absent there. */
export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === null) throw unauthorized();
  return request.caller;
}

/**
 * Decorates requests with `caller`. Routes opt in with the `requireCaller` hook (401 without a
 * valid token), `requireAdmin` (organisation admins) or `requireOperator` (deployment operators).
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: { sql: Sql; clock: Clock; knownTokens: KnownTokens }) => {
    app.decorateRequest('caller', null);
    app.decorate('requireCaller', async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      if (header === undefined) throw unauthorized('the Authorization header is missing; send "Authorization: Bearer <token>"');
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) throw unauthorized('the Authorization header must be "Bearer <token>"');
      const caller = await findCallerByToken(options.sql, token, options.clock.now());
      if (caller === undefined) throw unauthorized('the token is unknown');
      if (caller === 'token_revoked') throw new HttpError(401, 'token_revoked', 'this token was revoked; create a new one');
      if (caller === 'token_expired') throw new HttpError(401, 'token_expired', 'this token has expired; create a new one');
      options.knownTokens.remember(hashApiToken(token), caller.orgId);
      request.caller = caller;
    });
    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      if (callerOf(request).role !== 'admin') throw forbidden('this needs an organisation admin');
    });
    app.decorate('requireOperator', async (request: FastifyRequest) => {
      if (!callerOf(request).isOperator) throw forbidden('this needs an operator of this deployment');
    });
  },
  { name: 'nudge-auth' },
);

declare module 'fastify' {
  interface FastifyInstance {
    requireCaller(request: FastifyRequest): Promise<void>;
    requireAdmin(request: FastifyRequest): Promise<void>;
    requireOperator(request: FastifyRequest): Promise<void>;
  }
}
