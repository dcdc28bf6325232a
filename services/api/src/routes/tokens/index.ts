import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import { conflict, forbidden, notFound, type HttpApp } from '@nudge/service';
import {
  issueToken,
  listTokens,
  liveTokenCount,
  MAX_LIVE_TOKENS_PER_USER,
  MAX_TOKEN_LIFETIME_DAYS,
  revokeToken,
} from '../../auth/personal-access-tokens.js';
import { callerOf } from '../../plugins/auth.js';
import { restrictTo } from '../audience.js';
import { getList } from '../list-route.js';
import { closedObject, column, errorResponses, noContent, uuidIdParams } from '../schemas.js';

const tokenProperties = {
  id: column.uuid,
  name: column.text,
  prefix: {
    ...column.nullableText,
    description:
      'the first characters of the token, to tell tokens apart; null for tokens made before prefixes were kept',
  },
  created_at: column.dateTime,
  last_used_at: { ...column.nullableDateTime, description: 'updated at most once a minute' },
  expires_at: { ...column.nullableDateTime, description: 'null: never expires' },
} as const;

const tokenSchema = closedObject(tokenProperties);

const issuedSchema = closedObject({
  ...tokenProperties,
  token: { type: 'string', description: 'shown once; only its hash is stored' },
});

const newTokenBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100, description: 'what the token is for, e.g. "laptop CLI"' },
    expires_in_days: {
      anyOf: [{ type: 'integer', minimum: 1, maximum: MAX_TOKEN_LIFETIME_DAYS }, { type: 'null' }],
      description: `days until the token stops working (default 90); null: never (operators only)`,
    },
  },
} as const;

/** Personal access tokens: the caller's own, created, listed and revoked by the caller. */
export async function tokenRoutes(app: HttpApp, options: { sql: Sql; clock: Clock }): Promise<void> {
  const { sql, clock } = options;
  restrictTo(app, 'callers');

  getList<typeof tokenSchema>(app, { url: '/v1/me/tokens', item: tokenSchema }, async (caller) =>
    listTokens(sql, caller.userId),
  );

  app.post(
    '/v1/me/tokens',
    { schema: { body: newTokenBody, response: { 201: issuedSchema, ...errorResponses } } },
    async (request, reply) => {
      const caller = callerOf(request);
      const lifetimeDays = request.body.expires_in_days;
      // A token that never expires outlives every mistake; only the people who run the deployment get one.
      if (lifetimeDays === null && !caller.isOperator)
        throw forbidden('only operators may create a token that never expires; choose expires_in_days');
      const now = clock.now();
      if ((await liveTokenCount(sql, caller.userId, now)) >= MAX_LIVE_TOKENS_PER_USER) {
        throw conflict(`you have ${MAX_LIVE_TOKENS_PER_USER} working tokens; revoke one you no longer use first`);
      }
      const issued = await issueToken(sql, { userId: caller.userId, name: request.body.name, lifetimeDays, now });
      request.log.info(
        { event: 'token.created', user_id: caller.userId, token_id: issued.id, expires_at: issued.expires_at },
        'personal access token created',
      );
      return reply.status(201).send(issued);
    },
  );

  app.delete(
    '/v1/me/tokens/:id',
    { schema: { params: uuidIdParams, response: { 204: noContent, ...errorResponses } } },
    async (request, reply) => {
      const caller = callerOf(request);
      if (!(await revokeToken(sql, caller.userId, request.params.id, clock.now()))) throw notFound('token');
      request.log.info(
        { event: 'token.revoked', user_id: caller.userId, token_id: request.params.id },
        'personal access token revoked',
      );
      return reply.status(204).send(null);
    },
  );
}
