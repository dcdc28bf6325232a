import type { Sql } from '@nudge/db';
import type { Logger } from '@nudge/logger';

/** Sent, and not answered yet (a scheduled alert whose meeting started is expired when it is claimed). */
const WAITING_FOR_USER = ['notified', 'escalated'];

/**
 * With escalation off, an alert nobody acknowledged ends `expired` once its meeting has started
 * (with escalation on, the escalation flow decides its end).
 */
export async function expireUnanswered(sql: Sql, logger: Logger, now: Date): Promise<number> {
  const expired = await sql<{ id: string }[]>`
    with expired as (
      update alerts a set state = 'expired', updated_at = now()
      from meetings m
      where m.id = a.meeting_id and a.state in ${sql(WAITING_FOR_USER)} and m.starts_at <= ${now}
      returning a.id
    ), logged as (
      insert into alert_events (alert_id, kind, detail)
      select id, 'expired', ${sql.json({ reason: 'not acknowledged before the meeting started' })} from expired
    )
    select id from expired`;
  if (expired.length > 0) logger.info({ event: 'alerts.expired', count: expired.length }, `${expired.length} unacknowledged alerts expired`);
  return expired.length;
}
