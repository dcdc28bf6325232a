import type { Sql } from '@nudge/db';
import { insertAlert, insertMeeting, insertUser } from '@nudge/testkit';

/**
 * A user in Berlin whose alert for a meeting (ten minutes away unless `startsAt`) is escalated,
 * with the rule's call attempts and retry as given: what the calls role's webhooks act on.
 */
export async function insertEscalatedAlert(
  sql: Sql,
  options: { startsAt?: Date; title?: string; maxCallAttempts?: number; callRetrySeconds?: number } = {},
): Promise<{ userId: string; alertId: string }> {
  const { userId } = await insertUser(sql, { timezone: 'Europe/Berlin' });
  const startsAt = options.startsAt ?? new Date(Date.now() + 10 * 60_000);
  const meetingId = await insertMeeting(sql, userId, { startsAt, title: options.title ?? 'Quarterly review' });
  const { maxCallAttempts, callRetrySeconds } = options;
  const alertId = await insertAlert(sql, userId, { meetingId, state: 'escalated', maxCallAttempts, callRetrySeconds });
  return { userId, alertId };
}
