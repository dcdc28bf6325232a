import type { Sql } from '@nudge/db';
import { isIanaTimeZone, normalizeEmail, type Clock } from '@nudge/domain';
import { badRequest, conflict, type HttpApp, type ReplyOf } from '@nudge/service';
import { createUser } from '../../orgs/create-user.js';
import { EmailTakenError } from '../../orgs/create-organization.js';
import { USER_COLUMNS } from '../../orgs/users.js';
import { callerOf } from '../../plugins/auth.js';
import { getList } from '../list-route.js';
import { closedObject, errorResponses, USER_ROLES, userFieldSchemas, userSchema } from '../schemas.js';

const newUserBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'name'],
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 254 },
    ...userFieldSchemas,
    role: { type: 'string', enum: USER_ROLES },
  },
} as const;

/** The organisation's users, oldest first. */
async function listUsers(sql: Sql, orgId: string): Promise<ReplyOf<typeof userSchema>[]> {
  return sql<
    ReplyOf<typeof userSchema>[]
  >`select ${sql(USER_COLUMNS)} from users where org_id = ${orgId} order by created_at`;
}

/** Users of the caller's organisation only; behind `orgAdminRoutes`, for its admins. */
export async function userAdminRoutes(app: HttpApp, options: { sql: Sql; clock: Clock }): Promise<void> {
  const { sql, clock } = options;

  getList<typeof userSchema>(app, { url: '/v1/admin/users', item: userSchema }, async (caller) =>
    listUsers(sql, caller.orgId),
  );

  app.post(
    '/v1/admin/users',
    {
      schema: {
        body: newUserBody,
        response: {
          201: closedObject({
            user: userSchema,
            token: { type: 'string', description: 'shown once; only its hash is stored' },
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const email = normalizeEmail(body.email);
      if (email === undefined)
        throw badRequest('email must be an email address such as ada@example.com', [
          { path: 'body/email', message: 'not an email address' },
        ]);
      const timezone = body.timezone ?? 'UTC';
      if (!isIanaTimeZone(timezone))
        throw badRequest(`timezone must be an IANA time zone such as Europe/Berlin (got ${JSON.stringify(timezone)})`);
      try {
        const created = await createUser(
          sql,
          {
            orgId: callerOf(request).orgId,
            email,
            name: body.name,
            phoneE164: body.phone_e164 ?? null,
            timezone,
            role: body.role ?? 'member',
          },
          clock.now(),
        );
        return reply.status(201).send(created);
      } catch (err) {
        if (err instanceof EmailTakenError) throw conflict(err.message);
        throw err;
      }
    },
  );
}
