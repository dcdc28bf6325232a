import type { Sql, TransactionSql } from '@nudge/db';
import {
  advancesCall,
  canApply,
  decideAfterUnansweredCall,
  deliveryStatusAfterCall,
  isFinalCallStatus,
  statusesBefore,
  type AlertState,
  type CallStatus,
} from '@nudge/domain';
import { fail, recordAlertEvents, scheduleCallRetry } from './alert-transitions.js';
import type { AlertRuleRow } from './rules.js';
import { recordWebhookEvent, webhookEventInsert } from './webhook-events.js';

export interface StatusCallback {
  callSid: string;
  status: CallStatus;
  /** From the callback URL: the attempt the worker recorded before placing the call. */
  alertId: string | undefined;
  attempt: number | undefined;
  durationSeconds: number | undefined;
  now: Date;
}

export type StatusOutcome =
  | { kind: 'duplicate' }
  | { kind: 'unknown_call' }
  | { kind: 'stale'; current: string }
  | { kind: 'applied'; alertId: string; attempt: number; next: 'none' | 'retry' | 'failed' };

interface CallAttempt {
  id: string;
  alert_id: string;
  attempt: number;
  provider_status: CallStatus | null;
}

/**
 * Applies one status callback, once per (CallSid, CallStatus) and monotonically: a status no
 * newer than the one recorded (a late `ringing` after `completed`) changes nothing. A call that
 * ended unacknowledged schedules the next attempt or fails the alert. One transaction, so an
 * error leaves the event unprocessed for Twilio's retry.
 */
export async function applyCallStatus(sql: Sql, callback: StatusCallback): Promise<StatusOutcome> {
  if (!isFinalCallStatus(callback.status)) {
    const progressed = await applyProgress(sql, callback);
    if (progressed !== undefined) return progressed;
  }
  return sql.begin(async (tx) => {
    if (!(await recordWebhookEvent(tx, 'twilio', `${callback.callSid}:${callback.status}`)))
      return { kind: 'duplicate' };

    const call = await findCallAttempt(tx, callback);
    if (call === undefined) return { kind: 'unknown_call' };
    if (!advancesCall(call.provider_status, callback.status))
      return { kind: 'stale', current: call.provider_status ?? '' };

    const final = isFinalCallStatus(callback.status);
    const ended = final ? deliveryStatusAfterCall(callback.status) : null;
    await tx`
      update deliveries set
        provider_ref = coalesce(provider_ref, ${callback.callSid}),
        provider_status = ${callback.status},
        status = coalesce(${ended}, status),
        completed_at = case when ${final} then now() else completed_at end,
        error_message = case when ${final} and ${callback.status} <> 'completed' then ${`call ${callback.status}`} else error_message end
      where id = ${call.id}`;
    await recordAlertEvents(tx, [
      {
        alert_id: call.alert_id,
        kind: 'call_status',
        detail: {
          call_sid: callback.callSid,
          status: callback.status,
          attempt: call.attempt,
          ...(callback.durationSeconds === undefined ? {} : { duration_seconds: callback.durationSeconds }),
        },
      },
    ]);
    const next = final ? await afterCallEnded(tx, call, callback) : 'none';
    return { kind: 'applied', alertId: call.alert_id, attempt: call.attempt, next };
  });
}

/**
 * The common case in one statement (one round trip, one commit): a progress status (initiated,
 * ringing, in-progress) of a call whose sid is recorded. Undefined when the sid is not recorded
 * yet, which the transaction in applyCallStatus handles; nothing is written then.
 */
async function applyProgress(sql: Sql, callback: StatusCallback): Promise<StatusOutcome | undefined> {
  const [row] = await sql<
    {
      found: boolean;
      fresh: boolean;
      applied: boolean;
      alert_id: string | null;
      attempt: number | null;
      current: string | null;
    }[]
  >`
    with call as (
      select id, alert_id, attempt, provider_status from deliveries
      where channel = 'call' and provider_ref = ${callback.callSid}
      for update
    ), fresh as (${webhookEventInsert(sql, 'twilio', `${callback.callSid}:${callback.status}`, sql`exists (select 1 from call)`)}
    ), changed as (
      update deliveries d set provider_status = ${callback.status}
      from call c
      where d.id = c.id and exists (select 1 from fresh)
        and (c.provider_status is null or c.provider_status in ${sql(statusesBefore(callback.status))})
      returning d.alert_id, d.attempt
    ), logged as (
      insert into alert_events (alert_id, kind, detail)
      select alert_id, 'call_status', jsonb_build_object('call_sid', ${callback.callSid}::text, 'status', ${callback.status}::text, 'attempt', attempt)
      from changed
    )
    select exists (select 1 from call) as found, exists (select 1 from fresh) as fresh, exists (select 1 from changed) as applied,
      (select alert_id from call) as alert_id, (select attempt from call) as attempt, (select provider_status from call) as current`;
  if (row === undefined || !row.found) return undefined;
  if (!row.fresh) return { kind: 'duplicate' };
  if (!row.applied) return { kind: 'stale', current: row.current ?? '' };
  return { kind: 'applied', alertId: row.alert_id!, attempt: row.attempt!, next: 'none' };
}

/** By CallSid; or, before the worker recorded the sid, by the attempt named in the callback URL. Two lookups, so each uses its index. */
async function findCallAttempt(tx: TransactionSql, callback: StatusCallback): Promise<CallAttempt | undefined> {
  const [bySid] = await tx<CallAttempt[]>`
    select id, alert_id, attempt, provider_status from deliveries
    where channel = 'call' and provider_ref = ${callback.callSid}
    for update`;
  if (bySid !== undefined || callback.alertId === undefined || callback.attempt === undefined) return bySid;
  const [byAttempt] = await tx<CallAttempt[]>`
    select id, alert_id, attempt, provider_status from deliveries
    where alert_id = ${callback.alertId} and channel = 'call' and attempt = ${callback.attempt} and provider_ref is null
    for update`;
  return byAttempt;
}

async function afterCallEnded(
  tx: TransactionSql,
  call: CallAttempt,
  callback: StatusCallback,
): Promise<'none' | 'retry' | 'failed'> {
  const [alert] = await tx<
    (Pick<AlertRuleRow, 'max_call_attempts' | 'call_retry_seconds'> & {
      state: AlertState;
      starts_at: Date;
      later: number;
    })[]
  >`
    select a.state, m.starts_at, r.max_call_attempts, r.call_retry_seconds,
      (select count(*)::int from deliveries d where d.alert_id = a.id and d.channel = 'call' and d.attempt > ${call.attempt}) as later
    from alerts a
    join meetings m on m.id = a.meeting_id
    join alert_rules r on r.id = a.rule_id
    where a.id = ${call.alert_id}
    for update of a`;
  // Acknowledged during the call (or ended otherwise), or an older attempt reporting late: nothing follows.
  if (alert === undefined || !canApply(alert.state, 'escalate') || alert.later > 0) return 'none';
  const decision = decideAfterUnansweredCall({
    status: callback.status,
    attempt: call.attempt,
    maxAttempts: alert.max_call_attempts,
    retrySeconds: alert.call_retry_seconds,
    meetingStartsAt: alert.starts_at,
    now: callback.now,
  });
  if (decision.kind === 'retry') {
    // The worker's reconciler sees the new escalate_at and queues the next attempt.
    await scheduleCallRetry(tx, call.alert_id, { attempt: call.attempt + 1, at: decision.at, after: callback.status });
    return 'retry';
  }
  await fail(tx, call.alert_id, { reason: decision.reason, attempt: call.attempt, last_status: callback.status });
  return 'failed';
}
