import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  CALENDAR_READONLY_SCOPE,
  forgetGoogleCredential,
  GoogleClients,
  TokenCipher,
  type GoogleQuota,
} from '@nudge/calendar';
import type { GoogleConfig } from '@nudge/config';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import { errorBody, type HttpApp } from '@nudge/service';
import { CallbackError } from '../../calendar/callback-outcome.js';
import { completeGoogleConnect } from '../../calendar/complete-connect.js';
import { googleConnection } from '../../calendar/credentials.js';
import { stopChannelsOnDisconnect } from '../../calendar/stop-channels-on-disconnect.js';
import { OAuthStateSigner } from '../../calendar/oauth-state.js';
import { callerOf } from '../../plugins/auth.js';
import { FLOW_COOKIE_SECONDS, type SessionCookies } from '../../sessions/session-cookies.js';
import { checkinPage } from '../checkin/page.js';
import { restrictTo } from '../audience.js';
import { closedObject, column, columns, errorResponses, googleCallbackParams, noContent } from '../schemas.js';

export interface CalendarRouteOptions {
  sql: Sql;
  clock: Clock;
  google: GoogleConfig;
  credentialsKey: Buffer;
  publicBaseUrl: string;
  cookies: SessionCookies;
  /** The deployment's Google quota: the channel stops of a disconnect take their slots from it. */
  quota: GoogleQuota;
}

const connectionSchema = closedObject({
  ...columns(column.boolean, 'connected', 'revoked'),
  revoked_reason: column.nullableText,
  last_synced_at: column.nullableDateTime,
});

const callbackQuery = { type: 'object', properties: googleCallbackParams } as const;

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

function sendPage(reply: FastifyReply, status: number, heading: string, body: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(checkinPage({ title: heading, heading, body }));
}

/** Google Calendar: connect through OAuth consent, see the connection, disconnect. */
export async function calendarRoutes(app: HttpApp, options: CalendarRouteOptions): Promise<void> {
  const { sql, clock } = options;
  const redirectUri = `${options.publicBaseUrl}/v1/calendar/google/callback`;
  const clients = new GoogleClients(options.google, redirectUri);
  const signer = new OAuthStateSigner(options.credentialsKey);
  const cipher = new TokenCipher([options.credentialsKey]);

  // The browser arrives here from Google's consent screen, without our token: the state says who it is.
  app.get(
    '/v1/calendar/google/callback',
    {
      schema: {
        querystring: callbackQuery,
        // JSON for API clients; a browser (Accept: text/html) gets a small page with the same outcome.
        response: {
          200: closedObject({ connected: { type: 'boolean' } }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const bound = request.cookies[options.cookies.connect];
      void reply.clearCookie(options.cookies.connect, options.cookies.cleared());
      try {
        const userId = await completeGoogleConnect({ sql, signer, clients, cipher }, request.query, bound, clock.now());
        request.log.info({ event: 'calendar.credential.connected', user_id: userId }, 'Google Calendar connected');
        if (wantsHtml(request))
          return sendPage(
            reply,
            200,
            'Google Calendar connected',
            'Nudge will read your upcoming meetings within a minute. You can close this page.',
          );
        return reply.status(200).send({ connected: true });
      } catch (error) {
        if (!(error instanceof CallbackError)) throw error;
        request.log.warn(
          { event: 'calendar.connect.refused', code: error.code },
          `Google connect refused: ${error.message}`,
        );
        if (wantsHtml(request)) return sendPage(reply, 400, 'Google Calendar was not connected', error.message);
        return reply.status(400).send(errorBody(error.code, error.message));
      }
    },
  );

  app.register(async (member: HttpApp) => {
    restrictTo(member, 'callers');

    member.get(
      '/v1/calendar/google',
      { schema: { response: { 200: connectionSchema, ...errorResponses } } },
      async (request) => googleConnection(sql, callerOf(request).userId),
    );

    member.get(
      '/v1/calendar/google/connect',
      {
        schema: {
          response: {
            200: closedObject({ url: { type: 'string' } }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const { state, nonce } = signer.issue(caller.userId, clock.now());
        const url = clients.oauth().generateAuthUrl({
          // offline + consent: Google hands out a refresh token every time, even on a reconnect.
          access_type: 'offline',
          prompt: 'consent',
          // Incremental authorization: added to what the person granted at sign-in.
          include_granted_scopes: true,
          login_hint: caller.user.email,
          scope: [CALENDAR_READONLY_SCOPE],
          state,
        });
        // The callback is honoured only in the browser that asked for this URL.
        void reply.setCookie(options.cookies.connect, nonce, options.cookies.options(FLOW_COOKIE_SECONDS));
        return { url };
      },
    );

    member.delete(
      '/v1/calendar/google',
      { schema: { response: { 204: noContent, ...errorResponses } } },
      async (request, reply) => {
        const userId = callerOf(request).userId;
        const stopChannels = await stopChannelsOnDisconnect(
          { sql, clients, quota: options.quota, logger: request.log },
          userId,
          clock.now(),
        );
        const forgotten = await forgetGoogleCredential(sql, cipher, userId);
        if (forgotten?.refreshToken !== undefined) {
          // Channels first, while the grant still works; then the grant itself.
          await stopChannels(forgotten.refreshToken);
          // Best effort: the user's wish is honoured by forgetting; Google being away must not undo it.
          await clients
            .oauth()
            .revokeToken(forgotten.refreshToken)
            .catch((error: unknown) =>
              request.log.warn(
                { event: 'calendar.revoke.failed', user_id: userId, err: error },
                'revoking the Google grant failed; the credential is forgotten anyway',
              ),
            );
        }
        request.log.info(
          { event: 'calendar.credential.forgotten', user_id: userId, existed: forgotten !== undefined },
          'Google Calendar disconnected',
        );
        return reply.status(204).send(null);
      },
    );
  });
}
