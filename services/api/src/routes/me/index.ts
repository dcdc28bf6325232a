import { E164_PATTERN, isIanaTimeZone } from '@nudge/domain';
import type { Sql } from '@nudge/db';
import { badRequest, notFound, type HttpApp } from '@nudge/service';
import { updateUser } from '../../orgs/users.js';
import { callerOf } from '../../plugins/auth.js';
import { errorResponses, userSchema } from '../schemas.js';

const patchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    phone_e164: {
      anyOf: [{ type: 'string', pattern: E164_PATTERN, maxLength: 16 }, { type: 'null' }],
      description: 'E.164, e.g. +4915112345678; null removes it',
    },
    timezone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' },
  },
} as const;

export async function meRoutes(app: HttpApp, options: { sql: Sql }): Promise<void> {
  const { sql } = options;
  app.addHook('onRequest', app.requireCaller);

  // The caller's row came with the token lookup: no second query.
  app.get('/v1/me', { schema: { response: { 200: userSchema, ...errorResponses } } }, async (request) => callerOf(request).user);

  app.patch(
    '/v1/me',
    { schema: { body: patchBody, response: { 200: userSchema, ...errorResponses } } },
    async (request) => {
      const caller = callerOf(request);
      const changes = request.body;
      if (changes.timezone !== undefined && !isIanaTimeZone(changes.timezone)) {
        throw badRequest(`timezone must be an IANA time zone such as Europe/Berlin (got ${JSON.stringify(changes.timezone)})`, [
          { path: 'body/timezone', message: 'must be an IANA time zone name' },
        ]);
      }
      const user = await updateUser(sql, caller.orgId, caller.userId, changes);
      if (user === undefined) throw notFound('user');
      return user;
    },
  );
}
