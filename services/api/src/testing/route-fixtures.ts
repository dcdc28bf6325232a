import { issueCheckinToken, markNotified, planAlerts } from '@nudge/alerts';
import { insertMeeting, type TestDatabase } from '@nudge/testkit';
import { createOrganization } from '../orgs/create-organization.js';
import { createUser } from '../orgs/create-user.js';
import { newOrg } from './api-under-test.js';

/**
 * Routes anyone may call: health, docs, check-in links, the VAPID key, OAuth's return. Not
 * /metrics: the public port serves it only behind METRICS_TOKEN.
 */
export const PUBLIC_ROUTES = new Set([
  'GET /health/live',
  'GET /health/ready',
  'GET /checkin/:token',
  'POST /checkin/:token',
  'GET /v1/push/vapid-public-key',
  'GET /v1/calendar/google/callback',
  // Google's push notifications: authenticated by channel id, token and resource id, not a caller.
  'POST /v1/calendar/google/notifications',
  'GET /v1/auth/google/start',
  'GET /v1/auth/google/callback',
]);

export const isOperatorRoute = (url: string) => /^\/v1\/admin\/(schedules|job-runs|instances)/.test(url);
export const isAdminRoute = (url: string) => /^\/v1\/admin\/(users|members|invitations|organization)/.test(url);

/**
 * Two organisations and the people the isolation and fuzz tests act as. The first organisation
 * of the database (its admin an operator) is created first, so the others are plain.
 */
export async function seedTenants(db: TestDatabase) {
  const org = (name: string, operator = false) =>
    createOrganization(db.sql, {
      orgName: name,
      email: `${name.toLowerCase()}@${name.toLowerCase()}.test`,
      name,
      phoneE164: '+15005550006',
      timezone: 'UTC',
      operator,
    });
  const operator = await org('Operators', true);
  const victim = await org('Victim');
  const intruder = await org('Intruder');
  const member = await createUser(db.sql, {
    orgId: intruder.orgId,
    email: 'member@intruder.test',
    name: 'Member',
    phoneE164: null,
    timezone: 'UTC',
    role: 'member',
  });
  const revoked = await createUser(db.sql, {
    orgId: intruder.orgId,
    email: 'gone@intruder.test',
    name: 'Gone',
    phoneE164: null,
    timezone: 'UTC',
    role: 'member',
  });
  await db.sql`update api_tokens set revoked_at = now() where user_id = ${revoked.user.id}`;

  // The victim's data, which no one else may see or change.
  const meetingId = await insertMeeting(db.sql, victim.userId, {
    startsAt: new Date(Date.now() + 3_600_000),
    title: 'Victim secret meeting',
  });
  await planAlerts(db.sql, [meetingId], new Date());
  const [alert] = await db.sql<{ id: string }[]>`select id from alerts where meeting_id = ${meetingId}`;
  await markNotified(db.sql, alert!.id);
  const [subscription] = await db.sql<{ id: string }[]>`
    insert into push_subscriptions (user_id, endpoint, p256dh, auth)
    values (${victim.userId}, 'https://push.example.test/victim', 'BAAA', 'AAAA') returning id`;
  const [schedule] = await db.sql<{ id: string }[]>`select id from job_schedules order by id limit 1`;
  const [victimInvitation] = await db.sql<{ id: string }[]>`
    insert into invitations (org_id, email, role, token_hash, expires_at)
    values (${victim.orgId}, 'invitee@victim.test', 'member', 'victim-invitation-hash', now() + interval '7 days') returning id`;
  const [victimSession] = await db.sql<{ id: string }[]>`
    insert into sessions (id_hash, user_id, expires_at) values ('victim-session-hash', ${victim.userId}, now() + interval '1 day') returning id`;
  const [victimToken] = await db.sql<
    { id: string }[]
  >`select id from api_tokens where user_id = ${victim.userId} limit 1`;

  /** A victim's resource id for each kind of path parameter. */
  const params: Record<string, string> = {
    '/v1/alerts/:id': alert!.id,
    '/v1/alerts/:id/ack': alert!.id,
    '/v1/push/subscriptions/:id': subscription!.id,
    '/v1/me/sessions/:id': victimSession!.id,
    '/v1/admin/invitations/:id': victimInvitation!.id,
    '/v1/admin/members/:id': victim.userId,
    '/v1/admin/members/:id/deactivate': victim.userId,
    '/v1/admin/members/:id/reactivate': victim.userId,
    '/v1/me/tokens/:id': victimToken!.id,
  };
  const fillPath = (url: string) =>
    Object.hasOwn(params, url)
      ? url.replace(':id', params[url]!)
      : url.replace(/:id\b/, schedule?.id ?? 'calendar-sync').replace(/:(\w+)/g, 'x');
  return {
    operator,
    victim,
    intruder,
    memberToken: member.token,
    revokedToken: revoked.token,
    alertId: alert!.id,
    fillPath,
    secrets: ['Victim secret meeting', 'victim@victim.test', victim.token],
  };
}

/**
 * A new organisation's admin (in Berlin) with one alert, notified as the dispatcher leaves it, and
 * its check-in token; the meeting starts in five minutes.
 */
export async function notifiedAlert(db: TestDatabase, title = 'Design review') {
  const org = await newOrg(db, { timezone: 'Europe/Berlin' });
  const startsAt = new Date(Date.now() + 5 * 60_000);
  const meetingId = await insertMeeting(db.sql, org.userId, { startsAt, title });
  await planAlerts(db.sql, [meetingId], new Date());
  const [{ id: alertId } = { id: '' }] = await db.sql<
    { id: string }[]
  >`select id from alerts where meeting_id = ${meetingId}`;
  await markNotified(db.sql, alertId, { detail: { sent: 1, total: 1 } });
  const checkin = await issueCheckinToken(db.sql, alertId, new Date(startsAt.getTime() + 30 * 60_000));
  return { ...org, alertId, meetingId, checkin };
}
