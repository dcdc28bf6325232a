import { isIanaTimeZone } from '@nudge/domain';
import type { Sql } from '@nudge/db';
import { badRequest, notFound, type HttpApp } from '@nudge/service';
import { updateUser } from '../../orgs/users.js';
import { callerOf } from '../../plugins/auth.js';
import { restrictTo } from '../audience.js';
import { errorResponses, userFieldSchemas, userSchema } from '../schemas.js';

const patchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: userFieldSchemas,
} as const;

export async function meRoutes(app: HttpApp, options: { sql: Sql }): Promise<void> {
  const { sql } = options;
  restrictTo(app, 'callers');

  // The caller's row came with the token lookup: no second query.
  app.get(
    '/v1/me',
    { schema: { response: { 200: userSchema, ...errorResponses } } },
    async (request) => callerOf(request).user,
  );

  app.patch(
    '/v1/me',
    { schema: { body: patchBody, response: { 200: userSchema, ...errorResponses } } },
    async (request) => {
      const caller = callerOf(request);
      const changes = request.body;
      if (changes.timezone !== undefined && !isIanaTimeZone(changes.timezone)) {
        throw badRequest(
          `timezone must be an IANA time zone such as Europe/Berlin (got ${JSON.stringify(changes.timezone)})`,
          [{ path: 'body/timezone', message: 'must be an IANA time zone name' }],
        );
      }
      const user = await updateUser(sql, caller.orgId, caller.userId, changes);
      if (user === undefined) throw notFound('user');
      return user;
    },
  );
}
