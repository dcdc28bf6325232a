import type { Sql } from '@nudge/db';
import { AWAITING_ANSWER_STATES, type AlertState } from '@nudge/domain';
import type { AttemptRef } from './call-contract.js';

const LIMIT = 10_000;

/** An attempt that is due at `at`; `tries` tells a retry of a recorded attempt from the first try. */
export interface DueCallAttempt extends AttemptRef {
  at: Date;
  tries: number;
}

/**
 * What Postgres says the escalation queue should hold within `lookaheadMs`: the next attempt of
 * every alert awaiting an answer whose escalate_at is near, and every recorded attempt left
 * without a call (Twilio was away, or its worker died) once its lease has run out. Statuses are
 * written out to match the partial index deliveries_open_idx.
 */
export async function dueCallAttempts(
  sql: Sql,
  now: Date,
  lookaheadMs: number,
  leaseMs: number,
): Promise<DueCallAttempt[]> {
  const waiting = AWAITING_ANSWER_STATES as AlertState[];
  const horizon = new Date(now.getTime() + lookaheadMs);
  const rows = await sql<{ alert_id: string; attempt: number; at: Date; tries: number }[]>`
    (select a.id as alert_id,
       (select count(*)::int from deliveries d where d.alert_id = a.id and d.channel = 'call') + 1 as attempt,
       a.escalate_at as at, 0 as tries
     from alerts a
     where a.state in ${sql(waiting)} and a.escalate_at is not null and a.escalate_at <= ${horizon}
     order by a.escalate_at
     limit ${LIMIT})
    union all
    (select d.alert_id, d.attempt,
       case when d.status = 'pending' then ${now}::timestamptz
            else coalesce(d.last_attempt_at, d.created_at) + make_interval(secs => ${leaseMs / 1000}) end as at,
       d.attempts as tries
     from deliveries d
     join alerts a on a.id = d.alert_id
     where d.channel = 'call' and d.provider_ref is null and d.status in ('pending', 'processing')
       and a.state in ${sql(waiting)}
     limit ${LIMIT})`;
  return rows.map((row) => ({ alertId: row.alert_id, attempt: row.attempt, at: row.at, tries: row.tries }));
}
