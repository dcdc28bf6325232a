import { deactivateGone, deactivateRefused, lockSubscriptions, markPushSent, quarantineSubscriptions } from '@nudge/alerts';
import type { Sql, TransactionSql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import type { Counter } from 'prom-client';
import type { ClaimedDelivery } from './claimed-delivery.js';
import { pushPayload, pushTopic, pushTtlSeconds } from './push-payload.js';
import { sendPush, type PushOutcome, type PushSenderOptions } from './push-sender.js';
import { MAX_PUSH_ATTEMPTS, QUARANTINE_BASE_MS, QUARANTINE_MAX_MS, retryDelayMs } from './retry-policy.js';

export interface DeliverDeps {
  sql: Sql;
  logger: Logger;
  clock: Clock;
  sender: PushSenderOptions;
  publicBaseUrl: string;
  /** Sends in flight at once. */
  concurrency: number;
  /** The first backoff after a 5xx or a timeout; it doubles per attempt. */
  retryBaseMs?: number;
  pushResults: Counter<'result' | 'status_code'>;
}

/** The mark on a delivery whose subscription the push service said is gone (404/410). */
const GONE = 'gone:';

export interface Outcome {
  delivery: ClaimedDelivery;
  result: PushOutcome;
}

/** Sends one claimed delivery; never throws (a failure is an outcome). */
export async function sendDelivery(deps: Pick<DeliverDeps, 'clock' | 'publicBaseUrl' | 'sender'>, delivery: ClaimedDelivery, checkinToken: string | undefined): Promise<Outcome> {
  try {
    const now = deps.clock.now();
    const payload = pushPayload(delivery, deps.publicBaseUrl, checkinToken);
    const result = await sendPush(delivery, payload, { ttlSeconds: pushTtlSeconds(delivery.starts_at, now), topic: pushTopic(delivery.alert_id), urgency: 'high' }, deps.sender);
    return { delivery, result };
  } catch (err) {
    return { delivery, result: { kind: 'retry', status: null, retryAfterMs: undefined, reason: (err as Error).message } };
  }
}

/**
 * Records the answers of finished sends: sent, gone (the subscription is deactivated, at info
 * level), retry later (a new attempt row), rejected, or dead-lettered once the attempts are used
 * up. An endpoint that timed out is quarantined, and its waiting deliveries wait with it. Writes
 * are batched: a handful of statements per call, however many outcomes. Returns the earliest
 * time a new retry is due.
 */
export async function recordOutcomes(deps: DeliverDeps, outcomes: readonly Outcome[]): Promise<Date | undefined> {
  if (outcomes.length === 0) return undefined;
  const { sql, clock } = deps;
  const now = clock.now();
  const ids: string[] = [];
  const statuses: string[] = [];
  const errors: (string | null)[] = [];
  const retries: Record<string, unknown>[] = [];
  const sentTo: string[] = [];
  const gone: { id: string; status: number }[] = [];
  const refused: string[] = [];
  const timedOut = new Set<string>();
  let firstRetryAt: Date | undefined;
  for (const { delivery, result } of outcomes) {
    ids.push(delivery.delivery_id);
    deps.pushResults.inc({ result: result.kind, status_code: String(result.status ?? 'none') });
    switch (result.kind) {
      case 'sent':
        statuses.push('completed');
        errors.push(null);
        sentTo.push(delivery.subscription_id);
        break;
      case 'gone':
        statuses.push('failed');
        errors.push(`${GONE} push service answered ${result.status}`);
        gone.push({ id: delivery.subscription_id, status: result.status });
        break;
      case 'rejected':
        statuses.push('failed');
        errors.push(result.reason);
        deps.logger.warn({ event: 'push.rejected', alert_id: delivery.alert_id, subscription_id: delivery.subscription_id, status: result.status, reason: result.reason }, 'push service rejected a message');
        break;
      case 'refused':
        statuses.push('failed');
        errors.push(`endpoint_policy: ${result.reason}`);
        refused.push(delivery.subscription_id);
        deps.logger.warn({ event: 'push.endpoint.refused', alert_id: delivery.alert_id, subscription_id: delivery.subscription_id, reason: result.reason }, 'push endpoint refused by the endpoint policy; not contacted, subscription deactivated');
        break;
      case 'retry': {
        const lastTry = delivery.attempt >= MAX_PUSH_ATTEMPTS;
        statuses.push(lastTry ? 'dead_letter' : 'failed');
        errors.push(result.reason);
        if (result.timedOut === true) timedOut.add(delivery.subscription_id);
        if (!lastTry) {
          const notBefore = new Date(now.getTime() + retryDelayMs(delivery.attempt, result.retryAfterMs, deps.retryBaseMs));
          if (firstRetryAt === undefined || notBefore < firstRetryAt) firstRetryAt = notBefore;
          retries.push({ alert_id: delivery.alert_id, channel: 'push', target_id: delivery.subscription_id, attempt: delivery.attempt + 1, status: 'pending', not_before: notBefore });
        } else {
          deps.logger.warn({ event: 'push.dead_letter', alert_id: delivery.alert_id, subscription_id: delivery.subscription_id, attempts: delivery.attempt, reason: result.reason }, 'push given up after its last attempt');
        }
        break;
      }
    }
  }

  await sql.begin(async (tx) => {
    await tx`
      update deliveries d set status = v.status, error_message = v.error,
        completed_at = case when v.status = 'completed' then ${now}::timestamptz end
      from unnest(${ids}::uuid[], ${statuses}::text[], ${errors}::text[]) as v(id, status, error)
      where d.id = v.id`;
    if (retries.length > 0) await tx`insert into deliveries ${tx(retries)} on conflict do nothing`;
    const touched = [...new Set([...sentTo, ...timedOut, ...refused, ...gone.map((g) => g.id)])];
    // Locked in one order, so replicas recording outcomes for the same subscriptions cannot deadlock.
    if (touched.length > 0) await lockSubscriptions(tx, touched);
    if (sentTo.length > 0) await markPushSent(tx, [...new Set(sentTo)], now);
    if (timedOut.size > 0) await quarantine(tx, deps.logger, [...timedOut], now);
    if (refused.length > 0) await deactivateRefused(tx, [...new Set(refused)], now);
    if (gone.length > 0) {
      for (const id of await deactivateGone(tx, gone, now)) {
        // Expected: browsers unsubscribe. Info, not a warning.
        deps.logger.info({ event: 'push.subscription.deactivated', subscription_id: id }, 'push subscription is gone; deactivated');
      }
    }
  });
  await summarizeFinishedAlerts(deps, [...new Set(outcomes.map((o) => o.delivery.alert_id))]);
  return firstRetryAt;
}

/**
 * Endpoints that timed out are left alone for a backoff that doubles per consecutive timeout,
 * and every delivery waiting for them (retries included) waits until then, or until its
 * meeting starts, when it is closed unsent.
 */
async function quarantine(sql: TransactionSql, logger: Logger, subscriptionIds: string[], now: Date): Promise<void> {
  const rows = await quarantineSubscriptions(sql, subscriptionIds, { baseMs: QUARANTINE_BASE_MS, maxMs: QUARANTINE_MAX_MS }, now);
  await sql`
    update deliveries d set not_before = greatest(d.not_before, least(s.quarantined_until, m.starts_at))
    from push_subscriptions s, alerts a, meetings m
    where s.id in ${sql(subscriptionIds)} and d.target_id = s.id and d.channel = 'push' and d.status = 'pending'
      and d.not_before < s.quarantined_until and a.id = d.alert_id and m.id = a.meeting_id`;
  for (const row of rows) {
    // The user's endpoint, not this service, is at fault: info.
    logger.info(
      { event: 'push.endpoint.quarantined', subscription_id: row.id, consecutive_timeouts: row.consecutive_timeouts, quarantined_until: row.quarantined_until.toISOString() },
      'push endpoint timed out; quarantined',
    );
  }
}

/**
 * Once no delivery of an alert is open any more, writes its `pushed` timeline entry and the one
 * `push.dispatch.completed` line. Alert rows are locked so two replicas finishing the same
 * alert's last retries cannot both summarise it.
 */
export async function summarizeFinishedAlerts(deps: Pick<DeliverDeps, 'sql' | 'logger'>, alertIds: readonly string[]): Promise<void> {
  if (alertIds.length === 0) return;
  const finished = await deps.sql.begin(async (tx) => {
    await tx`select id from alerts where id in ${tx(alertIds as string[])} order by id for update`;
    return tx<{ alert_id: string; sent: number; total: number; expired_deactivated: number; dead_lettered: number }[]>`
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
  for (const row of finished) {
    deps.logger.info(
      { event: 'push.dispatch.completed', alert_id: row.alert_id, sent: row.sent, total: row.total, expired_deactivated: row.expired_deactivated, dead_lettered: row.dead_lettered },
      `alert pushed to ${row.sent} of ${row.total} devices`,
    );
  }
}
