import type { Sql, TransactionSql } from '@nudge/db';
import { isAwaitingAnswer, type AlertState, type DeliveryStatus } from '@nudge/domain';
import type { ClaimedDelivery } from './claimed-delivery.js';

type Db = Sql | TransactionSql;

export interface RetryClaim {
  deliveries: ClaimedDelivery[];
  /** Deliveries closed without sending: the alert was acknowledged or cancelled meanwhile, or the subscription went away. */
  closed: string[];
  closedAlertIds: string[];
}

/*
 * Push deliveries. States and statuses in reads are written out in the SQL where a partial index
 * (alerts_due_idx, deliveries_pending_due_idx, deliveries_open_idx) must match the query when it
 * is planned: a parameter would let a generic plan miss the index.
 */

/**
 * Claims push deliveries that are due again (a retry whose time has come, or one left
 * `processing` longer than `staleProcessingMs`: its dispatcher died mid-send), and closes at once
 * those whose alert no longer awaits an answer or whose subscription is inactive.
 */
export async function claimPushRetries(
  sql: Sql,
  now: Date,
  limit: number,
  staleProcessingMs: number,
): Promise<RetryClaim> {
  const rows = await sql<(ClaimedDelivery & { alert_state: AlertState; is_active: boolean })[]>`
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
  const sendable = rows.filter((r) => r.is_active && isAwaitingAnswer(r.alert_state) && r.starts_at > now);
  const closedRows = rows.filter((r) => !sendable.includes(r));
  const closed = closedRows.map((r) => r.delivery_id);
  if (closed.length > 0) {
    await sql`update deliveries set status = ${'failed' satisfies DeliveryStatus}, error_message = 'not sent: the alert no longer waits for the user or the subscription is inactive'
              where id in ${sql(closed)}`;
  }
  return {
    deliveries: sendable.map(({ alert_state: _s, is_active: _a, ...delivery }) => delivery),
    closed,
    closedAlertIds: [...new Set(closedRows.map((r) => r.alert_id))],
  };
}

/** Held deliveries stay `processing` with a recent time, so no dispatcher takes them for a dead one's. */
export async function keepPushDeliveriesHeld(sql: Db, deliveryIds: readonly string[], now: Date): Promise<void> {
  await sql`
    update deliveries set last_attempt_at = ${now}
    where id = any(${deliveryIds as string[]}::uuid[]) and status = 'processing'`;
}

/** Deliveries claimed but never sent go back to `pending`, for any dispatcher to send now. */
export async function releasePushDeliveries(sql: Db, deliveryIds: readonly string[], now: Date): Promise<void> {
  await sql`
    update deliveries set status = 'pending', not_before = ${now}, attempts = greatest(attempts - 1, 0)
    where id = any(${deliveryIds as string[]}::uuid[]) and status = 'processing'`;
}

/** A finished push: its delivery's final status and, unless completed, why. */
export interface PushResult {
  deliveryId: string;
  status: Extract<DeliveryStatus, 'completed' | 'failed' | 'dead_letter'>;
  error: string | null;
}

/** The next attempt of a push that may succeed later. */
export interface PushRetry {
  alertId: string;
  subscriptionId: string;
  attempt: number;
  notBefore: Date;
}

/** The mark on a delivery whose subscription the push service said is gone (404/410); the summary counts them. */
const GONE = 'gone:';

export function pushGoneMessage(status: number): string {
  return `${GONE} push service answered ${status}`;
}

/** Records finished sends and queues their retries: two statements however many. */
export async function recordPushResults(
  sql: Db,
  results: readonly PushResult[],
  retries: readonly PushRetry[],
  now: Date,
): Promise<void> {
  if (results.length > 0) {
    await sql`
      update deliveries d set status = v.status, error_message = v.error,
        completed_at = case when v.status = 'completed' then ${now}::timestamptz end
      from unnest(${results.map((r) => r.deliveryId)}::uuid[], ${results.map((r) => r.status)}::text[], ${results.map((r) => r.error)}::text[]) as v(id, status, error)
      where d.id = v.id`;
  }
  if (retries.length > 0) {
    const rows = retries.map((r) => ({
      alert_id: r.alertId,
      channel: 'push',
      target_id: r.subscriptionId,
      attempt: r.attempt,
      status: 'pending',
      not_before: r.notBefore,
    }));
    await sql`insert into deliveries ${sql(rows)} on conflict do nothing`;
  }
}

/**
 * Every delivery waiting for these (quarantined) subscriptions, retries included, waits until
 * the quarantine ends, or until its meeting starts, when it is closed unsent.
 */
export async function holdPushesForQuarantine(sql: Db, subscriptionIds: readonly string[]): Promise<void> {
  await sql`
    update deliveries d set not_before = greatest(d.not_before, least(s.quarantined_until, m.starts_at))
    from push_subscriptions s, alerts a, meetings m
    where s.id in ${sql(subscriptionIds as string[])} and d.target_id = s.id and d.channel = 'push' and d.status = 'pending'
      and d.not_before < s.quarantined_until and a.id = d.alert_id and m.id = a.meeting_id`;
}

export interface PushSummary {
  alert_id: string;
  sent: number;
  total: number;
  expired_deactivated: number;
  dead_lettered: number;
}

/**
 * Once no push delivery of an alert is open any more, writes its one `pushed` timeline entry
 * and returns its counts. Alert rows are locked so two replicas finishing the same alert's last
 * retries cannot both summarise it.
 */
export async function summarizePushedAlerts(sql: Sql, alertIds: readonly string[]): Promise<PushSummary[]> {
  if (alertIds.length === 0) return [];
  return sql.begin(async (tx) => {
    await tx`select id from alerts where id in ${tx(alertIds as string[])} order by id for update`;
    return tx<PushSummary[]>`
      with counts as (
        select alert_id,
               count(distinct target_id) filter (where status = 'completed')::int as sent,
               count(distinct target_id)::int as total,
               count(distinct target_id) filter (where error_message like ${`${GONE}%`})::int as expired_deactivated,
               count(*) filter (where status = 'dead_letter')::int as dead_lettered,
               count(*) filter (where status in ('pending', 'processing'))::int as open
        from deliveries
        where channel = 'push' and alert_id in ${tx(alertIds as string[])}
        group by alert_id
      ), summarized as (
        insert into alert_events (alert_id, kind, detail)
        select c.alert_id, 'pushed', jsonb_build_object('sent', c.sent, 'total', c.total, 'expired_deactivated', c.expired_deactivated, 'dead_lettered', c.dead_lettered)
        from counts c
        where c.open = 0 and not exists (select 1 from alert_events e where e.alert_id = c.alert_id and e.kind = 'pushed')
        returning alert_id
      )
      select c.alert_id, c.sent, c.total, c.expired_deactivated, c.dead_lettered from counts c join summarized s using (alert_id)`;
  });
}

/**
 * When the dispatcher has work next: the earliest due alert, pending retry, or held delivery
 * that goes stale. Null when there is none.
 */
export async function nextPushWorkAt(sql: Sql, staleProcessingMs: number): Promise<Date | null> {
  const [next] = await sql<{ at: Date | null }[]>`
    select least(
      (select min(due_at) from alerts where state = 'scheduled'),
      (select min(not_before) from deliveries where status = 'pending' and channel = 'push'),
      (select min(last_attempt_at) + make_interval(secs => ${staleProcessingMs / 1000}) from deliveries where status = 'processing' and channel = 'push')
    ) as at`;
  return next?.at ?? null;
}

/** Deletes up to `limit` finished deliveries created before `cutoff`; returns how many. */
export async function deleteFinishedDeliveries(sql: Db, cutoff: Date, limit: number): Promise<number> {
  const rows = await sql`
    delete from deliveries
    where id in (
      select id from deliveries
      where status in ('completed', 'failed') and created_at < ${cutoff}
      limit ${limit})
    returning 1`;
  return rows.length;
}
