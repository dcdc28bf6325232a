import type { Sql, TransactionSql } from '@nudge/db';
import { canApply, isOpenDelivery, stateAfter, statesFrom, type AlertState, type DeliveryStatus } from '@nudge/domain';
import { escalate, fail, skipEscalation } from './alert-transitions.js';
import type { AttemptRef } from './call-contract.js';

/** What the worker does about an attempt after its claim. */
export type AttemptClaim =
  | { kind: 'nothing'; reason: string }
  | { kind: 'skipped'; reason: string }
  | { kind: 'in_flight' }
  | { kind: 'place'; deliveryId: string; to: string; escalateAt: Date | null; reconcileSince: Date | undefined };

interface AlertForCall {
  state: AlertState;
  escalate_at: Date | null;
  starts_at: Date;
  user_id: string;
  phone_e164: string | null;
  phone_verified_at: Date | null;
  max_call_attempts: number;
  recorded: number;
}

interface AttemptRow {
  id: string;
  status: DeliveryStatus;
  provider_ref: string | null;
  last_attempt_at: Date | null;
  created_at: Date;
}

// A job may fire a little before escalate_at (clock skew between Redis and us).
const EARLY_TOLERANCE_MS = 1_000;

/**
 * Decides, under the alert's row lock, whether this attempt is to be called, and records it
 * BEFORE any call is placed: a `deliveries` row (channel call, the attempt's number) and the
 * `escalated` transition. A row that already exists without a CallSid was left by a worker
 * that died or failed mid-call: it is taken over once its lease has run out, and the caller
 * must first look for a call that worker may have placed.
 */
export async function claimCallAttempt(sql: Sql, ref: AttemptRef, now: Date, leaseMs: number): Promise<AttemptClaim> {
  return (await recordCallAttempt(sql, ref, now)) ?? claimOtherwise(sql, ref, now, leaseMs);
}

/**
 * The common case in one statement (a burst of escalations is bound by round trips): the job
 * is for the alert's next attempt, it is due, and there is someone to call. Records the attempt
 * and the domain's `escalate` transition, compare-and-set on the states it may leave, with its
 * timeline entry; undefined when any condition fails, for claimOtherwise to sort out.
 */
async function recordCallAttempt(sql: Sql, ref: AttemptRef, now: Date): Promise<AttemptClaim | undefined> {
  const [claimed] = await sql<{ delivery_id: string; phone_e164: string; escalate_at: Date }[]>`
    with target as (
      select a.id, a.escalate_at, u.id as user_id, u.phone_e164
      from alerts a
      join meetings m on m.id = a.meeting_id
      join users u on u.id = a.user_id
      join alert_rules r on r.id = a.rule_id
      where a.id = ${ref.alertId}
        and a.state in ${sql(statesFrom('escalate') as AlertState[])}
        and a.escalate_at <= ${new Date(now.getTime() + EARLY_TOLERANCE_MS)}
        and m.starts_at > ${now}
        and u.phone_e164 is not null
        and u.deactivated_at is null
        and u.phone_verified_at is not null
        and ${ref.attempt} <= r.max_call_attempts
        and (select count(*) from deliveries d where d.alert_id = a.id and d.channel = 'call') = ${ref.attempt - 1}
      for update of a
    ), recorded as (
      insert into deliveries (alert_id, channel, target_id, attempt, status, attempts, last_attempt_at)
      select id, 'call', user_id, ${ref.attempt}, 'processing', 1, ${now} from target
      on conflict do nothing
      returning id, alert_id
    ), escalated as (
      update alerts a set state = ${stateAfter('escalate')}, escalate_at = null, updated_at = now()
      from recorded
      where a.id = recorded.alert_id and a.state in ${sql(statesFrom('escalate') as AlertState[])}
      returning a.id
    ), logged as (
      insert into alert_events (alert_id, kind, detail)
      select id, 'escalated', jsonb_build_object('attempt', ${ref.attempt}::int) from escalated
    )
    select r.id as delivery_id, t.phone_e164, t.escalate_at from recorded r join target t on t.id = r.alert_id`;
  if (claimed === undefined) return undefined;
  return {
    kind: 'place',
    deliveryId: claimed.delivery_id,
    to: claimed.phone_e164,
    escalateAt: claimed.escalate_at,
    reconcileSince: undefined,
  };
}

/** Every other case, under the alert's row lock: stale jobs, skips, and taking over an attempt left without a call. */
async function claimOtherwise(sql: Sql, ref: AttemptRef, now: Date, leaseMs: number): Promise<AttemptClaim> {
  return sql.begin(async (tx) => {
    const [alert] = await tx<AlertForCall[]>`
      select a.state, a.escalate_at, m.starts_at, u.id as user_id, u.phone_e164, u.phone_verified_at, r.max_call_attempts,
        (select count(*)::int from deliveries d where d.alert_id = a.id and d.channel = 'call') as recorded
      from alerts a
      join meetings m on m.id = a.meeting_id
      join users u on u.id = a.user_id
      join alert_rules r on r.id = a.rule_id
      where a.id = ${ref.alertId}
      for update of a`;
    if (alert === undefined) return { kind: 'nothing', reason: 'the alert no longer exists' };
    if (!canApply(alert.state, 'escalate')) return { kind: 'nothing', reason: `the alert is ${alert.state}` };

    const [row] = await tx<AttemptRow[]>`
      select id, status, provider_ref, last_attempt_at, created_at from deliveries
      where alert_id = ${ref.alertId} and channel = 'call' and target_id = ${alert.user_id} and attempt = ${ref.attempt}`;
    if (row !== undefined) return takeOver(tx, row, alert, now, leaseMs);

    if (alert.escalate_at === null || alert.escalate_at.getTime() > now.getTime() + EARLY_TOLERANCE_MS) {
      return { kind: 'nothing', reason: 'the escalation time moved (stale job)' };
    }
    if (ref.attempt !== alert.recorded + 1)
      return { kind: 'nothing', reason: `attempt ${ref.attempt} is not the next one` };
    // The end of an alert whose meeting started belongs to the sweep (expired or failed).
    if (alert.starts_at <= now) return { kind: 'nothing', reason: 'the meeting has started' };
    const cannot =
      alert.phone_e164 === null
        ? 'the user has no phone number'
        : alert.phone_verified_at === null
          ? 'the user has not verified their phone number'
          : ref.attempt > alert.max_call_attempts
            ? `the rule allows ${alert.max_call_attempts} call attempts`
            : undefined;
    if (cannot !== undefined) {
      await skipEscalation(tx, ref.alertId, { reason: cannot, attempt: ref.attempt });
      return { kind: 'skipped', reason: cannot };
    }

    const [inserted] = await tx<{ id: string }[]>`
      insert into deliveries (alert_id, channel, target_id, attempt, status, attempts, last_attempt_at)
      values (${ref.alertId}, 'call', ${alert.user_id}, ${ref.attempt}, 'processing', 1, ${now})
      returning id`;
    await escalate(tx, ref.alertId, ref.attempt);
    return {
      kind: 'place',
      deliveryId: inserted!.id,
      to: alert.phone_e164!,
      escalateAt: alert.escalate_at,
      reconcileSince: undefined,
    };
  });
}

async function takeOver(
  tx: TransactionSql,
  row: AttemptRow,
  alert: AlertForCall,
  now: Date,
  leaseMs: number,
): Promise<AttemptClaim> {
  if (row.provider_ref !== null || !isOpenDelivery(row.status))
    return { kind: 'nothing', reason: 'the attempt was placed already' };
  const startedAt = row.last_attempt_at ?? row.created_at;
  if (row.status === 'processing' && now.getTime() - startedAt.getTime() < leaseMs) return { kind: 'in_flight' };
  if (alert.phone_e164 === null) return { kind: 'nothing', reason: 'the user has no phone number' };
  if (alert.phone_verified_at === null)
    return { kind: 'nothing', reason: 'the user has not verified their phone number' };
  await tx`
    update deliveries set status = 'processing', attempts = attempts + 1, last_attempt_at = ${now}
    where id = ${row.id}`;
  return {
    kind: 'place',
    deliveryId: row.id,
    to: alert.phone_e164,
    escalateAt: alert.escalate_at,
    reconcileSince: startedAt,
  };
}

/** The CallSid Twilio returned (or the reconciliation found), with the `called` timeline entry. */
export async function recordPlacedCall(
  sql: Sql,
  ref: AttemptRef,
  deliveryId: string,
  callSid: string,
  detail: Record<string, unknown>,
): Promise<void> {
  // One statement: a burst of escalations records thousands of these.
  await sql`
    with recorded as (
      update deliveries set provider_ref = coalesce(provider_ref, ${callSid}), provider_status = coalesce(provider_status, 'queued')
      where id = ${deliveryId}
    )
    insert into alert_events (alert_id, kind, detail)
    values (${ref.alertId}, 'called', ${sql.json({ call_sid: callSid, attempt: ref.attempt, ...detail } as never)})`;
}

/** Twilio refused the call (an invalid number): retrying cannot help, so the alert fails with its reason. */
export async function recordRejectedCall(
  sql: Sql,
  ref: AttemptRef,
  deliveryId: string,
  rejection: { status: number; code: number | undefined; message: string },
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      update deliveries set status = 'failed', completed_at = now(), error_message = ${`${rejection.code ?? rejection.status}: ${rejection.message}`}
      where id = ${deliveryId}`;
    await fail(tx, ref.alertId, {
      reason: 'Twilio rejected the call',
      attempt: ref.attempt,
      provider_status: rejection.status,
      provider_code: rejection.code ?? null,
      provider_message: rejection.message,
    });
  });
}

/** Twilio was unavailable: the attempt stays recorded, without a call, for the reconciler to retry. */
export async function releaseCallAttempt(sql: Sql, deliveryId: string, error: string): Promise<void> {
  await sql`update deliveries set status = 'pending', error_message = ${error} where id = ${deliveryId} and provider_ref is null`;
}

/** Which of these CallSids are recorded on some attempt already. */
export async function knownCallSids(sql: Sql, sids: readonly string[]): Promise<Set<string>> {
  if (sids.length === 0) return new Set();
  const rows = await sql<{ provider_ref: string }[]>`
    select provider_ref from deliveries where channel = 'call' and provider_ref in ${sql(sids as string[])}`;
  return new Set(rows.map((row) => row.provider_ref));
}
