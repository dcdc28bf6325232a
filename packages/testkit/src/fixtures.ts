import { randomBytes } from 'node:crypto';
import type { Sql } from '@nudge/db';

/** Rows for tests that need a user or a meeting without going through the API. */

export interface TestUser {
  orgId: string;
  userId: string;
}

export async function insertUser(
  sql: Sql,
  options: {
    orgId?: string;
    timezone?: string;
    phone?: string | null;
    /**
     * The user proved they hold the number, as if they had entered the code. Escalation calls
     * only verified numbers, so a test that expects a call says so here.
     */
    phoneVerified?: boolean;
    role?: 'admin' | 'member';
    email?: string;
  } = {},
): Promise<TestUser> {
  const orgId =
    options.orgId ??
    (await sql<{ id: string }[]>`insert into organizations (name) values ('Test org') returning id`)[0]!.id;
  const email = options.email ?? `user-${randomBytes(4).toString('hex')}@example.test`;
  const [user] = await sql<{ id: string }[]>`
    insert into users (org_id, email, name, phone_e164, phone_verified_at, timezone, role)
    values (${orgId}, ${email}, 'Test user', ${options.phone === undefined ? '+15005550006' : options.phone},
            ${options.phoneVerified === true ? new Date() : null}, ${options.timezone ?? 'UTC'}, ${options.role ?? 'member'})
    returning id`;
  return { orgId, userId: user!.id };
}

/** The user proved they hold their number (as entering the code does): escalation may call it. */
export async function markPhoneVerified(sql: Sql, userId: string): Promise<void> {
  await sql`update users set phone_verified_at = now() where id = ${userId} and phone_e164 is not null`;
}

export interface TestMeeting {
  title?: string;
  startsAt: Date;
  endsAt?: Date;
  status?: 'confirmed' | 'cancelled';
  selfResponse?: 'accepted' | 'declined' | 'tentative' | 'needsAction' | null;
  attendeeCount?: number;
  externalId?: string;
}

export async function insertMeeting(sql: Sql, userId: string, meeting: TestMeeting): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into meetings (user_id, external_id, title, starts_at, ends_at, status, self_response, attendee_count)
    values (${userId}, ${meeting.externalId ?? randomBytes(6).toString('hex')}, ${meeting.title ?? 'Weekly sync'},
            ${meeting.startsAt}, ${meeting.endsAt ?? new Date(meeting.startsAt.getTime() + 30 * 60_000)},
            ${meeting.status ?? 'confirmed'}, ${meeting.selfResponse === undefined ? 'accepted' : meeting.selfResponse}, ${meeting.attendeeCount ?? 2})
    returning id`;
  return row!.id;
}

export interface TestAlert {
  meetingId: string;
  state?: 'scheduled' | 'notified' | 'escalated' | 'acknowledged';
  escalateAt?: Date | null;
  dueAt?: Date;
  /** Rule settings for the user (the schema's defaults otherwise). */
  maxCallAttempts?: number;
  callRetrySeconds?: number;
}

/** An alert already past its push (notified by default), e.g. waiting for escalation at `escalateAt`. */
export async function insertAlert(sql: Sql, userId: string, alert: TestAlert): Promise<string> {
  const [rule] = await sql<{ id: string }[]>`
    insert into alert_rules (user_id, max_call_attempts, call_retry_seconds)
    values (${userId}, ${alert.maxCallAttempts ?? 2}, ${alert.callRetrySeconds ?? 120})
    on conflict (user_id) do update set max_call_attempts = excluded.max_call_attempts, call_retry_seconds = excluded.call_retry_seconds
    returning id`;
  const [row] = await sql<{ id: string }[]>`
    insert into alerts (user_id, meeting_id, rule_id, due_at, escalate_at, state)
    values (${userId}, ${alert.meetingId}, ${rule!.id}, ${alert.dueAt ?? new Date(Date.now() - 60_000)}, ${alert.escalateAt ?? null}, ${alert.state ?? 'notified'})
    returning id`;
  return row!.id;
}

/** An alert's timeline, oldest first. */
export async function alertTimeline(
  sql: Sql,
  alertId: string,
): Promise<{ kind: string; detail: Record<string, unknown> }[]> {
  return sql<
    { kind: string; detail: Record<string, unknown> }[]
  >`select kind, detail from alert_events where alert_id = ${alertId} order by id`;
}
