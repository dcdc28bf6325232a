import type { Sql } from '@nudge/db';
import { stateAfter, statesFromAll, type AlertState } from '@nudge/domain';

// A placed call with no final status after this long lost its callbacks; it no longer holds the alert open.
const CALL_IN_PROGRESS_LIMIT = '15 minutes';

/**
 * The set-based `expire` / `fail` of the alerts nobody acknowledged once their meeting has
 * started. Without escalation they are `expired`. With it, an alert waits while a call is in
 * progress; then it is `failed` when calls were placed and went unanswered, and `expired` when
 * none was (no phone number, say). Only alerts in states both events may leave are touched.
 * Returns the alerts it ended.
 */
export async function expireUnanswered(
  sql: Sql,
  now: Date,
  options: { escalation: boolean },
): Promise<{ id: string; state: AlertState }[]> {
  const expired = stateAfter('expire');
  const failed = stateAfter('fail');
  return sql<{ id: string; state: AlertState }[]>`
    with candidates as (
      select a.id,
        ${options.escalation} and exists (
          select 1 from deliveries d where d.alert_id = a.id and d.channel = 'call' and d.provider_ref is not null
        ) as called
      from alerts a
      join meetings m on m.id = a.meeting_id
      where a.state in ${sql(statesFromAll('expire', 'fail') as AlertState[])} and m.starts_at <= ${now}
        and not (${options.escalation} and exists (
          select 1 from deliveries d
          where d.alert_id = a.id and d.channel = 'call' and d.status = 'processing'
            and d.last_attempt_at > ${now}::timestamptz - ${CALL_IN_PROGRESS_LIMIT}::interval
        ))
      for update of a skip locked
    ), ended as (
      update alerts a set state = case when c.called then ${failed} else ${expired} end, escalate_at = null, updated_at = now()
      from candidates c
      where a.id = c.id
      returning a.id, a.state
    ), logged as (
      insert into alert_events (alert_id, kind, detail)
      select id, state, jsonb_build_object('reason', case when state = ${failed}
        then 'the meeting started; the escalation calls went unanswered'
        else 'not acknowledged before the meeting started' end)
      from ended
    )
    select id, state from ended`;
}
