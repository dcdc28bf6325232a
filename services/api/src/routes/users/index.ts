import type { FastifyInstance } from 'fastify';
import type { Sql } from '@nudge/db';
import { E164_PATTERN, isIanaTimeZone, normalizeEmail, type Clock } from '@nudge/domain';
import { badRequest, conflict } from '@nudge/service';
import { createUser } from '../../orgs/create-user.js';
import { EmailTakenError } from '../../orgs/create-organization.js';
import { USER_COLUMNS } from '../../orgs/users.js';
import { callerOf } from '../../plugins/auth.js';
import { errorResponses, userSchema } from '../schemas.js';

interface NewUserBody {
  email: string;
  name: string;
  phone_e164?: string | null;
  timezone?: string;
  role?: 'admin' | 'member';
}

const newUserBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'name'],
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 254 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    phone_e164: { anyOf: [{ type: 'string', pattern: E164_PATTERN }, { type: 'null' }] },
    timezone: { type: 'string', minLength: 1, maxLength: 64 },
    role: { type: 'string', enum: ['admin', 'member'] },
  },
} as const;

/** Organisation administration: the caller's organisation only, for its admins. */
export async function userAdminRoutes(app: FastifyInstance, options: { sql: Sql; clock: Clock }): Promise<void> {
  const { sql, clock } = options;
  app.addHook('onRequest', app.requireCaller);
  app.addHook('onRequest', app.requireAdmin);

  app.get('/v1/admin/users', { schema: { response: { 200: { type: 'array', items: userSchema }, ...errorResponses } } }, async (request) =>
    sql`select ${sql.unsafe(USER_COLUMNS)} from users where org_id = ${callerOf(request).orgId} order by created_at`,
  );

  app.post<{ Body: NewUserBody }>(
    '/v1/admin/users',
    {
      schema: {
        body: newUserBody,
        response: {
          201: { type: 'object', required: ['user', 'token'], properties: { user: userSchema, token: { type: 'string', description: 'shown once; only its hash is stored' } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const email = normalizeEmail(body.email);
      if (email === undefined) throw badRequest('email must be an email address such as ada@example.com', [{ path: 'body/email', message: 'not an email address' }]);
      const timezone = body.timezone ?? 'UTC';
      if (!isIanaTimeZone(timezone)) throw badRequest(`timezone must be an IANA time zone such as Europe/Berlin (got ${JSON.stringify(timezone)})`);
      try {
        const created = await createUser(sql, {
          orgId: callerOf(request).orgId,
          email,
          name: body.name,
          phoneE164: body.phone_e164 ?? null,
          timezone,
          role: body.role ?? 'member',
        }, clock.now());
        return reply.status(201).send(created);
      } catch (err) {
        if (err instanceof EmailTakenError) throw conflict(err.message);
        throw err;
      }
    },
  );
}
