import { randomBytes } from 'node:crypto';
import type { Sql } from '@nudge/db';

/** Rows for tests that need a user or a meeting without going through the API. */

export interface TestUser {
  orgId: string;
  userId: string;
}

export async function insertUser(
  sql: Sql,
  options: { orgId?: string; timezone?: string; phone?: string | null; role?: 'admin' | 'member'; email?: string } = {},
): Promise<TestUser> {
  const orgId = options.orgId ?? (await sql<{ id: string }[]>`insert into organizations (name) values ('Test org') returning id`)[0]!.id;
  const email = options.email ?? `user-${randomBytes(4).toString('hex')}@example.test`;
  const [user] = await sql<{ id: string }[]>`
    insert into users (org_id, email, name, phone_e164, timezone, role)
    values (${orgId}, ${email}, 'Test user', ${options.phone === undefined ? '+15005550006' : options.phone}, ${options.timezone ?? 'UTC'}, ${options.role ?? 'member'})
    returning id`;
  return { orgId, userId: user!.id };
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
