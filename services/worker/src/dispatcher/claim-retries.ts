import type { Sql } from '@nudge/db';
import type { ClaimedDelivery } from './claimed-delivery.js';

export interface RetryClaim {
  deliveries: ClaimedDelivery[];
  /** Deliveries closed without sending: the alert was acknowledged or cancelled meanwhile, or the subscription went away. */
  closed: string[];
  closedAlertIds: string[];
}

/**
 * Claims push deliveries that are due again (a retry whose time has come, or one left
 * `processing` longer than `staleProcessingMs`: its dispatcher died mid-send). Only alerts still waiting for the user are sent to.
 */
export async function claimRetries(sql: Sql, now: Date, limit: number, staleProcessingMs: number): Promise<RetryClaim> {
  const rows = await sql<(ClaimedDelivery & { alert_state: string; is_active: boolean })[]>`
    with due as (
      select id from deliveries
      where channel = 'push'
        and ((status = 'pending' and not_before <= ${now})
          or (status = 'processing' and last_attempt_at < ${new Date(now.getTime() - staleProcessingMs)}))
      order by not_before
      limit ${limit}
      for update skip locked
    ), claimed as (
      update deliveries d set status = 'processing', last_attempt_at = ${now}, attempts = d.attempts + 1
      from due where d.id = due.id
      returning d.id, d.alert_id, d.target_id, d.attempt
    )
    select c.id as delivery_id, c.alert_id, a.user_id, c.target_id as subscription_id, c.attempt,
           s.endpoint, s.p256dh, s.auth, s.is_active, m.title, m.starts_at, m.ends_at, a.state as alert_state
    from claimed c
    join push_subscriptions s on s.id = c.target_id
    join alerts a on a.id = c.alert_id
    join meetings m on m.id = a.meeting_id`;
  const sendable = rows.filter((r) => r.is_active && (r.alert_state === 'notified' || r.alert_state === 'escalated') && r.starts_at > now);
  const closedRows = rows.filter((r) => !sendable.includes(r));
  const closed = closedRows.map((r) => r.delivery_id);
  if (closed.length > 0) {
    await sql`update deliveries set status = 'failed', error_message = 'not sent: the alert no longer waits for the user or the subscription is inactive'
              where id in ${sql(closed)}`;
  }
  return {
    deliveries: sendable.map(({ alert_state: _s, is_active: _a, ...delivery }) => delivery),
    closed,
    closedAlertIds: [...new Set(closedRows.map((r) => r.alert_id))],
  };
}
