import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { SessionConfig } from '@nudge/config';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import { forbidden, HttpError, unauthorized } from '@nudge/service';
import { hashApiToken } from '../auth/api-token.js';
import { findCallerByToken, type Caller } from '../auth/caller.js';
import type { KnownTokens } from '../auth/known-tokens.js';
import { changesState, CSRF_HEADER, csrfTokenMatches } from '../sessions/csrf.js';
import type { SessionCookies } from '../sessions/session-cookies.js';
import { findLiveSession, hashSessionSecret } from '../sessions/session-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
    /** The session cookie's value behind `caller`, for the routes that derive from it (CSRF token, sign-out). */
    sessionSecret: string | null;
  }
}

const BEARER = /^Bearer ([^\s]+)$/;

/** The caller of a route behind `requireCaller`; it cannot be absent there. */
export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === null) throw unauthorized();
  return request.caller;
}

export interface AuthOptions {
  sql: Sql;
  clock: Clock;
  knownTokens: KnownTokens;
  cookies: SessionCookies;
  sessions: SessionConfig;
  /** Cookie-authenticated writes must come from this origin. */
  publicOrigin: string;
}

const csrfRefused = (message: string) => new HttpError(403, 'csrf_failed', message);

/**
 * Decorates requests with `caller`, from either an API token (`Authorization: Bearer`, for API
 * clients: unchanged, and not subject to CSRF since a browser never adds it by itself) or the
 * browser session cookie. A cookie-authenticated request that changes state must come from this
 * origin and carry the session's CSRF token. A deactivated user's tokens and sessions stop
 * working at once: both lookups require an active user. Routes opt in with `requireCaller` (401
 * without a valid credential), `requireAdmin` (organisation admins) or `requireOperator`.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: AuthOptions) => {
    const { sql, clock, cookies } = options;
    app.decorateRequest('caller', null);
    app.decorateRequest('sessionSecret', null);

    const fromToken = async (request: FastifyRequest, header: string) => {
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) throw unauthorized('the Authorization header must be "Bearer <token>"');
      const caller = await findCallerByToken(sql, token, clock.now());
      if (caller === undefined) throw unauthorized('the token is unknown');
      if (caller === 'token_revoked')
        throw new HttpError(401, 'token_revoked', 'this token was revoked; create a new one');
      if (caller === 'token_expired')
        throw new HttpError(401, 'token_expired', 'this token has expired; create a new one');
      if (caller === 'account_deactivated')
        throw new HttpError(
          401,
          'account_deactivated',
          'this account was deactivated; ask an admin of your organisation',
        );
      options.knownTokens.remember(hashApiToken(token), caller.orgId);
      request.caller = caller;
    };

    const fromSession = async (request: FastifyRequest, secret: string) => {
      const live = await findLiveSession(sql, secret, clock.now(), options.sessions);
      if (live === undefined)
        throw new HttpError(
          401,
          'session_ended',
          'your session has ended (signed out, expired or the account was deactivated); sign in again',
        );
      if (changesState(request.method)) {
        // Origin first (every browser sends it on a cross-origin write), then the token.
        const origin = request.headers.origin;
        if (origin !== undefined && origin !== options.publicOrigin)
          throw csrfRefused(`a request from ${origin} may not change anything here`);
        if (request.headers['sec-fetch-site'] === 'cross-site')
          throw csrfRefused('a cross-site request may not change anything here');
        const given = request.headers[CSRF_HEADER];
        if (!csrfTokenMatches(secret, typeof given === 'string' ? given : undefined)) {
          throw csrfRefused(
            `a signed-in browser must send the session's CSRF token in ${CSRF_HEADER} (from GET /v1/auth/session)`,
          );
        }
      }
      options.knownTokens.remember(hashSessionSecret(secret), live.user.org_id);
      request.sessionSecret = secret;
      request.caller = {
        userId: live.user.id,
        orgId: live.user.org_id,
        role: live.user.role,
        isOperator: live.user.is_operator,
        tokenId: null,
        sessionId: live.sessionId,
        user: live.user,
      };
    };

    app.decorate('requireCaller', async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      if (header !== undefined) return fromToken(request, header);
      const secret = request.cookies[cookies.session];
      if (secret !== undefined && secret !== '') return fromSession(request, secret);
      throw unauthorized(
        'the Authorization header is missing and there is no session; send "Authorization: Bearer <token>" or sign in with Google',
      );
    });
    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      if (callerOf(request).role !== 'admin') throw forbidden('this needs an organisation admin');
    });
    app.decorate('requireOperator', async (request: FastifyRequest) => {
      if (!callerOf(request).isOperator) throw forbidden('this needs an operator of this deployment');
    });
  },
  { name: 'nudge-auth', dependencies: ['@fastify/cookie'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    requireCaller(request: FastifyRequest): Promise<void>;
    requireAdmin(request: FastifyRequest): Promise<void>;
    requireOperator(request: FastifyRequest): Promise<void>;
  }
}
