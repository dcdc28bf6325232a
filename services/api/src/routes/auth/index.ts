import type { FastifySchema } from 'fastify';
import { GoogleClients } from '@nudge/calendar';
import type { GoogleConfig, GoogleSignInConfig, SessionConfig } from '@nudge/config';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import { notFound, type HttpApp } from '@nudge/service';
import { findInvitation } from '../../invitations/invitations.js';
import { callerOf } from '../../plugins/auth.js';
import { csrfTokenFor } from '../../sessions/csrf.js';
import { FLOW_COOKIE_SECONDS, type SessionCookies } from '../../sessions/session-cookies.js';
import {
  endAllSessions,
  endSession,
  endSessionBySecret,
  listSessions,
  startSession,
} from '../../sessions/session-store.js';
import { admitUser } from '../../sign-in/admit-user.js';
import { decodeBinding, encodeBinding, newSignInBinding, sameSecret } from '../../sign-in/flow-binding.js';
import { idTokenChecks, verifyGoogleIdToken } from '../../sign-in/google-id-token.js';
import { SignInError } from '../../sign-in/sign-in-error.js';
import { restrictTo } from '../audience.js';
import {
  closedObject,
  column,
  columns,
  errorResponses,
  googleCallbackParams,
  noContent,
  userSchema,
  uuidIdParams,
} from '../schemas.js';
import { sendNotice } from './pages.js';

export interface AuthRouteOptions {
  sql: Sql;
  clock: Clock;
  cookies: SessionCookies;
  sessions: SessionConfig;
  publicBaseUrl: string;
  /** Sign in with Google: absent when the deployment has no Google client. */
  google: { client: GoogleConfig; signIn: GoogleSignInConfig } | undefined;
}

const SIGN_IN_SCOPES = ['openid', 'email', 'profile'];

const sessionSchema = closedObject({
  id: column.uuid,
  ...columns(column.dateTime, 'created_at', 'last_seen_at'),
  expires_at: {
    ...column.dateTime,
    description: 'when it ends if left unused (idle or absolute lifetime, whichever is first)',
  },
  user_agent: column.nullableText,
  current: { ...column.boolean, description: 'the session this request came with' },
});

/** Sign in with Google, the browser session, signing out. */
export async function authRoutes(app: HttpApp, options: AuthRouteOptions): Promise<void> {
  const { sql, clock, cookies, sessions } = options;

  if (options.google !== undefined) registerGoogleSignIn(app, options, options.google);
  else {
    // The web app's button still leads somewhere that says what to do.
    app.get('/v1/auth/google/start', { schema: { hide: true } as FastifySchema }, async (_request, reply) =>
      sendNotice(
        reply,
        404,
        'Sign in with Google is not set up',
        'This Nudge deployment has no Google client configured. Sign in with an API token from your admin.',
      ),
    );
  }

  app.register(async (signedIn: HttpApp) => {
    restrictTo(signedIn, 'callers');

    signedIn.get(
      '/v1/auth/session',
      {
        schema: {
          // The browser session behind the session cookie: who is signed in, and the CSRF token to send in X-CSRF-Token on every change.
          response: {
            200: closedObject({ user: userSchema, csrf_token: { type: 'string' } }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        if (request.sessionSecret === null)
          return reply.status(404).send({
            error: { code: 'no_session', message: 'this request carried an API token, not a browser session' },
          });
        return { user: caller.user, csrf_token: csrfTokenFor(request.sessionSecret) };
      },
    );

    signedIn.post(
      '/v1/auth/sign-out',
      {
        schema: {
          description: 'Ends the session this request came with.',
          response: { 204: noContent, ...errorResponses },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        if (caller.sessionId !== null) await endSession(sql, caller.userId, caller.sessionId);
        request.log.info({ event: 'session.ended', user_id: caller.userId }, 'signed out');
        return reply.clearCookie(cookies.session, cookies.cleared()).status(204).send(null);
      },
    );

    signedIn.post(
      '/v1/auth/sign-out-everywhere',
      {
        schema: {
          description: 'Ends every browser session of the caller (API tokens are not affected).',
          response: {
            200: closedObject({ ended: { type: 'integer' } }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const ended = await endAllSessions(sql, caller.userId);
        request.log.info({ event: 'session.ended_everywhere', user_id: caller.userId, ended }, 'signed out everywhere');
        return reply.clearCookie(cookies.session, cookies.cleared()).send({ ended });
      },
    );

    signedIn.get(
      '/v1/me/sessions',
      {
        schema: {
          description: 'The caller’s live browser sessions, newest first.',
          response: { 200: { type: 'array', items: sessionSchema }, ...errorResponses },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        return listSessions(sql, caller.userId, caller.sessionId ?? undefined, clock.now(), sessions);
      },
    );

    signedIn.delete(
      '/v1/me/sessions/:id',
      {
        schema: {
          // Ends one of the caller’s sessions (another device).
          params: uuidIdParams,
          response: { 204: noContent, ...errorResponses },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        if (!(await endSession(sql, caller.userId, request.params.id))) throw notFound('session');
        if (request.params.id === caller.sessionId) void reply.clearCookie(cookies.session, cookies.cleared());
        return reply.status(204).send(null);
      },
    );
  });
}

function registerGoogleSignIn(
  app: HttpApp,
  options: AuthRouteOptions,
  google: NonNullable<AuthRouteOptions['google']>,
): void {
  const { sql, clock, cookies, sessions } = options;
  const redirectUri = `${options.publicBaseUrl}/v1/auth/google/callback`;
  const clients = new GoogleClients(google.client, redirectUri);
  // One client for every sign-in, so Google's signing keys are fetched once per their max-age.
  const oauth = clients.oauth({ idTokens: idTokenChecks(google.signIn) });

  app.get(
    '/v1/auth/google/start',
    {
      schema: {
        // Starts Sign in with Google (a browser navigates here): binds a state and nonce to this browser in a short-lived cookie and redirects to Google. With `invitation`, signing in accepts it.
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { invitation: { type: 'string', maxLength: 100 } },
        },
        response: { 302: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const invitation = request.query.invitation;
      let loginHint: string | undefined;
      if (invitation !== undefined) {
        const found = await findInvitation(sql, invitation, clock.now());
        if (found.status !== 'valid') {
          const why = { unknown: 'is not valid', used: 'was already used', expired: 'expired (they last 7 days)' }[
            found.status
          ];
          return sendNotice(
            reply,
            403,
            'This invitation cannot be used',
            `This invitation link ${why}. Ask the admin who invited you for a new one.`,
          );
        }
        loginHint = found.invitation.email;
      }
      const binding = newSignInBinding(invitation);
      const url = oauth.generateAuthUrl({
        scope: SIGN_IN_SCOPES,
        state: binding.state,
        nonce: binding.nonce,
        prompt: 'select_account',
        ...(loginHint === undefined ? {} : { login_hint: loginHint }),
      });
      return reply
        .setCookie(cookies.signIn, encodeBinding(binding), cookies.options(FLOW_COOKIE_SECONDS))
        .header('cache-control', 'no-store')
        .redirect(url, 302);
    },
  );

  app.get(
    '/v1/auth/google/callback',
    {
      schema: {
        // Google sends the browser back here. Refused unless this browser started the sign-in; on success a session cookie is set and the browser goes to /app/.
        querystring: {
          type: 'object',
          properties: {
            ...googleCallbackParams,
            authuser: { type: 'string', maxLength: 20 },
            hd: { type: 'string', maxLength: 255 },
            prompt: { type: 'string', maxLength: 100 },
          },
        },
        response: { 303: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const binding = decodeBinding(request.cookies[cookies.signIn]);
      // Whatever happens, this binding is spent.
      void reply.clearCookie(cookies.signIn, cookies.cleared());
      try {
        const { code, state, error } = request.query;
        if (binding === undefined || state === undefined || !sameSecret(binding.state, state)) {
          throw new SignInError(
            'not_bound',
            'This sign-in was not started in this browser (or took longer than 10 minutes), so nothing was done. Start again from the Nudge sign-in page.',
          );
        }
        if (error === 'access_denied')
          throw new SignInError(
            'access_denied',
            'You did not allow Nudge to see your Google account, so you are not signed in.',
          );
        if (error !== undefined)
          throw new SignInError('oauth_error', `Google answered with error "${error}"; you are not signed in.`);
        if (code === undefined || code === '')
          throw new SignInError('missing_code', 'Google sent no authorization code; start again.');
        let idToken: string | null | undefined;
        try {
          ({
            tokens: { id_token: idToken },
          } = await oauth.getToken({ code, redirect_uri: redirectUri }));
        } catch {
          throw new SignInError('token_exchange_failed', 'Google refused the sign-in code; start again.');
        }
        if (typeof idToken !== 'string')
          throw new SignInError('invalid_id_token', 'Google sent no ID token; start again.');
        const identity = await verifyGoogleIdToken(oauth, idToken, google.client.clientId, binding.nonce);
        const now = clock.now();
        const admission = await admitUser(sql, identity, binding.invitation, now);
        // A new session id at every sign-in; the one this browser had before ends.
        const previous = request.cookies[cookies.session];
        if (previous !== undefined && previous !== '') await endSessionBySecret(sql, previous);
        const secret = await startSession(sql, admission.userId, request.headers['user-agent'], now, sessions);
        request.log.info(
          { event: 'session.started', user_id: admission.userId, org_id: admission.orgId, admitted_by: admission.how },
          'signed in with Google',
        );
        return reply
          .setCookie(cookies.session, secret, cookies.options(Math.floor(sessions.absoluteMs / 1000)))
          .header('cache-control', 'no-store')
          .redirect('/app/', 303);
      } catch (error) {
        if (!(error instanceof SignInError)) throw error;
        request.log.info({ event: 'sign_in.refused', code: error.code }, `sign-in refused: ${error.message}`);
        return sendNotice(reply, error.status, 'You are not signed in', error.message);
      }
    },
  );
}
