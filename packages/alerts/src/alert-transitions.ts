import type { Sql, TransactionSql } from '@nudge/db';
import {
  canApply,
  IllegalTransitionError,
  stateAfter,
  statesFrom,
  type AcknowledgedVia,
  type AlertEvent,
  type AlertState,
} from '@nudge/domain';
import type { AlertEventKind, AlertRow } from './alert-row.js';

type Db = Sql | TransactionSql;

/** What a command did to one alert. */
export type TransitionOutcome =
  | { applied: true; alert: AlertRow }
  | { applied: false; reason: 'not_found' }
  /** The alert's state does not allow the event (the domain's table). */
  | { applied: false; reason: 'illegal_transition'; state: AlertState; error: IllegalTransitionError }
  /** Another writer changed the alert between the compare-and-set and the look that followed. */
  | { applied: false; reason: 'changed_concurrently'; state: AlertState };

interface Change {
  alertId: string;
  event: AlertEvent;
  /** The timeline entry written with the change. */
  kind: AlertEventKind;
  detail: Record<string, unknown>;
  via?: AcknowledgedVia;
  /** Set escalate_at; left as it is when undefined. */
  escalateAt?: Date | null;
  /** Limit the change to this user's alert. */
  userId?: string;
}

/**
 * Applies a lifecycle event and writes its timeline entry in one statement. The update is a
 * compare-and-set on the states the domain lets the event leave, so concurrent writers cannot
 * move an alert backwards. Every single-alert command below goes through here.
 */
async function transition(sql: Db, change: Change): Promise<TransitionOutcome> {
  const acknowledging = change.event === 'acknowledge';
  const [row] = await sql<AlertRow[]>`
    with changed as (
      update alerts set
        state = ${stateAfter(change.event)},
        updated_at = now(),
        acknowledged_at = case when ${acknowledging} then now() else acknowledged_at end,
        acknowledged_via = case when ${acknowledging} then ${change.via ?? null} else acknowledged_via end,
        escalate_at = case when ${change.escalateAt !== undefined} then ${change.escalateAt ?? null}::timestamptz else escalate_at end
      where id = ${change.alertId}
        and state in ${sql(statesFrom(change.event) as AlertState[])}
        and (${change.userId ?? null}::uuid is null or user_id = ${change.userId ?? null}::uuid)
      returning *
    ), logged as (
      insert into alert_events (alert_id, kind, detail)
      select id, ${change.kind}, ${sql.json(change.detail as never)} from changed
    )
    select * from changed`;
  if (row !== undefined) return { applied: true, alert: row };
  return notApplied(sql, change.alertId, change.event, change.userId);
}

/** Why a compare-and-set changed nothing, from the alert as it is now. */
async function notApplied(
  sql: Db,
  alertId: string,
  event: AlertEvent,
  userId?: string,
): Promise<TransitionOutcome & { applied: false }> {
  const [current] = await sql<{ state: AlertState }[]>`
    select state from alerts where id = ${alertId} and (${userId ?? null}::uuid is null or user_id = ${userId ?? null}::uuid)`;
  if (current === undefined) return { applied: false, reason: 'not_found' };
  if (canApply(current.state, event)) return { applied: false, reason: 'changed_concurrently', state: current.state };
  return {
    applied: false,
    reason: 'illegal_transition',
    state: current.state,
    error: new IllegalTransitionError(current.state, event),
  };
}

/** The push went out (or there was nobody to push to); escalation, when on, starts at `escalateAt`. */
export function markNotified(
  sql: Db,
  alertId: string,
  input: { escalateAt?: Date | null; detail?: Record<string, unknown> } = {},
): Promise<TransitionOutcome> {
  return transition(sql, {
    alertId,
    event: 'notify',
    kind: 'notified',
    detail: input.detail ?? {},
    escalateAt: input.escalateAt,
  });
}

/** A call attempt of an alert is recorded (before it is placed): the alert is escalated and its escalation time spent. */
export function escalate(sql: Db, alertId: string, attempt: number): Promise<TransitionOutcome> {
  return transition(sql, { alertId, event: 'escalate', kind: 'escalated', detail: { attempt }, escalateAt: null });
}

/** The user acknowledged; `userId` limits it to that user's alert. */
export function acknowledge(
  sql: Db,
  input: { alertId: string; via: AcknowledgedVia; userId?: string; detail?: Record<string, unknown> },
): Promise<TransitionOutcome> {
  return transition(sql, {
    alertId: input.alertId,
    event: 'acknowledge',
    kind: 'acknowledged',
    via: input.via,
    userId: input.userId,
    detail: { via: input.via, ...input.detail },
  });
}

export function cancel(sql: Db, alertId: string, reason: string): Promise<TransitionOutcome> {
  return transition(sql, { alertId, event: 'cancel', kind: 'cancelled', detail: { reason } });
}

export function expire(sql: Db, alertId: string, reason: string): Promise<TransitionOutcome> {
  return transition(sql, { alertId, event: 'expire', kind: 'expired', detail: { reason }, escalateAt: null });
}

/** Delivery failed for good (the calls went unanswered, Twilio refused the number). */
export function fail(
  sql: Db,
  alertId: string,
  detail: { reason: string } & Record<string, unknown>,
): Promise<TransitionOutcome> {
  return transition(sql, { alertId, event: 'fail', kind: 'failed', detail, escalateAt: null });
}

/**
 * Moves the alert's escalation time for its next call attempt, and says so on the timeline; only
 * while a call may still follow (the states escalate may leave). The state itself does not change.
 */
export async function scheduleCallRetry(
  sql: Db,
  alertId: string,
  input: { attempt: number; at: Date; after: string },
): Promise<TransitionOutcome> {
  return setEscalation(sql, alertId, input.at, 'call_retry_scheduled', {
    attempt: input.attempt,
    at: input.at.toISOString(),
    after: input.after,
  });
}

/** No call can be made for this attempt (no phone number, no attempts left): escalation ends, the alert waits as it is. */
export async function skipEscalation(
  sql: Db,
  alertId: string,
  input: { attempt: number; reason: string },
): Promise<TransitionOutcome> {
  return setEscalation(sql, alertId, null, 'escalation_skipped', { reason: input.reason, attempt: input.attempt });
}

async function setEscalation(
  sql: Db,
  alertId: string,
  at: Date | null,
  kind: AlertEventKind,
  detail: Record<string, unknown>,
): Promise<TransitionOutcome> {
  const [row] = await sql<AlertRow[]>`
    with changed as (
      update alerts set escalate_at = ${at}::timestamptz, updated_at = now()
      where id = ${alertId} and state in ${sql(statesFrom('escalate') as AlertState[])}
      returning *
    ), logged as (
      insert into alert_events (alert_id, kind, detail)
      select id, ${kind}, ${sql.json(detail as never)} from changed
    )
    select * from changed`;
  if (row !== undefined) return { applied: true, alert: row };
  return notApplied(sql, alertId, 'escalate');
}

/** Timeline entries that change no state (push summaries are written with their own counts). */
export async function recordAlertEvents(
  sql: Db,
  events: readonly { alert_id: string; kind: AlertEventKind; detail: Record<string, unknown> }[],
): Promise<void> {
  if (events.length === 0) return;
  await sql`
    insert into alert_events (alert_id, kind, detail)
    select (e->>'alert_id')::uuid, e->>'kind', e->'detail' from jsonb_array_elements(${sql.json(events as never)}) as e`;
}
