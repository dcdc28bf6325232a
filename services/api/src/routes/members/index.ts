import type { MailConfig } from '@nudge/config';
import type { Sql } from '@nudge/db';
import { normalizeEmail, type Clock } from '@nudge/domain';
import { badRequest, conflict, notFound, type HttpApp } from '@nudge/service';
import { InvitationMailer } from '../../invitations/invitation-mailer.js';
import { createInvitation, pendingInvitations, withdrawInvitation } from '../../invitations/invitations.js';
import {
  changeRole,
  deactivateMember,
  listMembers,
  MemberChangeRefused,
  reactivateMember,
} from '../../members/members.js';
import { DomainTakenError, organizationSettings, setWorkspaceDomain } from '../../members/organization-settings.js';
import { callerOf } from '../../plugins/auth.js';
import { getList } from '../list-route.js';
import { closedObject, column, columns, errorResponses, noContent, USER_ROLES, uuidIdParams } from '../schemas.js';

export interface MemberRouteOptions {
  sql: Sql;
  clock: Clock;
  publicBaseUrl: string;
  mail: MailConfig | undefined;
}

const memberSchema = closedObject({
  id: column.uuid,
  ...columns(column.text, 'email', 'name'),
  role: { type: 'string', enum: USER_ROLES },
  is_operator: column.boolean,
  phone_e164: column.nullableText,
  created_at: column.dateTime,
  deactivated_at: {
    ...column.nullableDateTime,
    description: 'set: the member can neither sign in nor use tokens, and is not alerted',
  },
  signs_in_with_google: column.boolean,
});

const invitationSchema = closedObject({
  id: column.uuid,
  email: column.text,
  role: { type: 'string', enum: USER_ROLES },
  ...columns(column.dateTime, 'created_at', 'expires_at'),
});

const organizationSchema = closedObject({
  id: column.uuid,
  name: column.text,
  google_workspace_domain: {
    ...column.nullableText,
    description: 'everyone whose Google ID token carries this `hd` may sign in as a member',
  },
});

const DOMAIN = '^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$';

/** Members and invitations of the caller's organisation; behind `orgAdminRoutes`, for its admins. */
export async function memberRoutes(app: HttpApp, options: MemberRouteOptions): Promise<void> {
  const { sql, clock } = options;
  const mailer = options.mail === undefined ? undefined : new InvitationMailer(options.mail);
  if (mailer !== undefined) app.addHook('onClose', async () => mailer.close());

  getList<typeof memberSchema>(app, { url: '/v1/admin/members', item: memberSchema }, async (caller) =>
    listMembers(sql, caller.orgId),
  );

  app.patch(
    '/v1/admin/members/:id',
    {
      schema: {
        params: uuidIdParams,
        // Only the role changes here; an empty patch changes nothing and answers the member.
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { role: { type: 'string', enum: USER_ROLES } },
        },
        response: { 200: memberSchema, ...errorResponses },
      },
    },
    async (request) => {
      try {
        const changed = await changeRole(
          sql,
          callerOf(request).orgId,
          request.params.id,
          request.body.role ?? undefined,
        );
        if (changed === undefined) throw notFound('member');
        request.log.info(
          { event: 'member.role_changed', user_id: changed.id, role: changed.role, by: callerOf(request).userId },
          'role changed',
        );
        return changed;
      } catch (err) {
        if (err instanceof MemberChangeRefused) throw conflict(err.message);
        throw err;
      }
    },
  );

  app.post(
    '/v1/admin/members/:id/deactivate',
    {
      schema: {
        // At once: the member’s sessions and API tokens stop working, their open alerts are cancelled, and they are neither alerted nor phoned again.
        params: uuidIdParams,
        response: { 200: memberSchema, ...errorResponses },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      try {
        const done = await deactivateMember(sql, caller.orgId, request.params.id, caller.userId, clock.now());
        if (done === undefined) throw notFound('member');
        request.log.info(
          {
            event: 'member.deactivated',
            user_id: done.member.id,
            by: caller.userId,
            ended_sessions: done.endedSessions,
            cancelled_alerts: done.cancelledAlerts,
          },
          'member deactivated',
        );
        return done.member;
      } catch (err) {
        if (err instanceof MemberChangeRefused) throw conflict(err.message);
        throw err;
      }
    },
  );

  app.post(
    '/v1/admin/members/:id/reactivate',
    { schema: { params: uuidIdParams, response: { 200: memberSchema, ...errorResponses } } },
    async (request) => {
      const member = await reactivateMember(sql, callerOf(request).orgId, request.params.id);
      if (member === undefined) throw notFound('member');
      request.log.info(
        { event: 'member.reactivated', user_id: member.id, by: callerOf(request).userId },
        'member reactivated',
      );
      return member;
    },
  );

  getList<typeof invitationSchema>(
    app,
    { url: '/v1/admin/invitations', item: invitationSchema, description: 'Invitations not yet accepted or expired.' },
    async (caller) => pendingInvitations(sql, caller.orgId, clock.now()),
  );

  app.post(
    '/v1/admin/invitations',
    {
      schema: {
        // Invites a person by email: a single-use link valid for 7 days, shown once (only its hash is stored) and emailed when SMTP_URL is set. Accepting requires signing in with Google as that email.
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['email'],
          properties: {
            email: { type: 'string', minLength: 3, maxLength: 254 },
            role: { type: 'string', enum: USER_ROLES },
          },
        },
        response: {
          201: closedObject({
            invitation: invitationSchema,
            url: { type: 'string', description: 'the link to share; shown once' },
            emailed: {
              type: 'boolean',
              description: 'whether it was sent by email (SMTP_URL set and the server accepted it)',
            },
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const email = normalizeEmail(request.body.email);
      if (email === undefined)
        throw badRequest('email must be an email address such as ada@example.com', [
          { path: 'body/email', message: 'not an email address' },
        ]);
      const [existing] =
        await sql`select 1 from users where org_id = ${caller.orgId} and lower(email) = ${email} and deactivated_at is null and google_sub is not null`;
      if (existing !== undefined) throw conflict(`${email} is already a member and signs in with Google`);
      const now = clock.now();
      const { invitation, secret } = await createInvitation(
        sql,
        { orgId: caller.orgId, email, role: request.body.role ?? 'member', invitedBy: caller.userId },
        now,
      );
      const url = `${options.publicBaseUrl}/v1/auth/google/start?invitation=${secret}`;
      let emailed = false;
      if (mailer !== undefined) {
        const org = await organizationSettings(sql, caller.orgId);
        try {
          await mailer.send({
            to: email,
            orgName: org?.name ?? 'your organisation',
            invitedBy: caller.user.name,
            url,
            expiresAt: invitation.expires_at,
          });
          emailed = true;
        } catch (err) {
          // The admin still has the link to share; the failure is theirs to see, not a lost invitation.
          request.log.warn(
            { event: 'invitation.email_failed', invitation_id: invitation.id, err },
            'the invitation email was not sent',
          );
        }
      }
      request.log.info(
        { event: 'invitation.created', invitation_id: invitation.id, org_id: caller.orgId, by: caller.userId, emailed },
        'invitation created',
      );
      return reply.status(201).send({ invitation, url, emailed });
    },
  );

  app.delete(
    '/v1/admin/invitations/:id',
    { schema: { params: uuidIdParams, response: { 204: noContent, ...errorResponses } } },
    async (request, reply) => {
      if (!(await withdrawInvitation(sql, callerOf(request).orgId, request.params.id))) throw notFound('invitation');
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/admin/organization',
    { schema: { response: { 200: organizationSchema, ...errorResponses } } },
    async (request) => {
      const org = await organizationSettings(sql, callerOf(request).orgId);
      if (org === undefined) throw notFound('organization');
      return org;
    },
  );

  app.patch(
    '/v1/admin/organization',
    {
      schema: {
        body: closedObject({
          google_workspace_domain: { anyOf: [{ type: 'string', maxLength: 253 }, { type: 'null' }] },
        }),
        response: { 200: organizationSchema, ...errorResponses },
      },
    },
    async (request) => {
      const given = request.body.google_workspace_domain;
      const domain = given === null || given.trim() === '' ? null : given.trim().toLowerCase();
      if (domain !== null && !new RegExp(DOMAIN).test(domain)) {
        throw badRequest(
          `google_workspace_domain must be a domain such as example.com (got ${JSON.stringify(given)})`,
          [{ path: 'body/google_workspace_domain', message: 'not a domain' }],
        );
      }
      try {
        const org = await setWorkspaceDomain(sql, callerOf(request).orgId, domain);
        if (org === undefined) throw notFound('organization');
        request.log.info(
          { event: 'organization.workspace_domain_set', org_id: org.id, domain },
          'workspace domain set',
        );
        return org;
      } catch (err) {
        if (err instanceof DomainTakenError) throw conflict(err.message);
        throw err;
      }
    },
  );
}
