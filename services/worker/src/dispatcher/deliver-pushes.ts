import {
  deactivateGone,
  deactivateRefused,
  holdPushesForQuarantine,
  lockSubscriptions,
  markPushSent,
  pushGoneMessage,
  quarantineSubscriptions,
  recordPushResults,
  summarizePushedAlerts,
  type ClaimedDelivery,
  type PushResult,
  type PushRetry,
} from '@nudge/alerts';
import type { Sql, TransactionSql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import type { Counter } from 'prom-client';
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

export interface Outcome {
  delivery: ClaimedDelivery;
  result: PushOutcome;
}

/** Sends one claimed delivery; never throws (a failure is an outcome). */
export async function sendDelivery(
  deps: Pick<DeliverDeps, 'clock' | 'publicBaseUrl' | 'sender'>,
  delivery: ClaimedDelivery,
  checkinToken: string | undefined,
): Promise<Outcome> {
  try {
    const now = deps.clock.now();
    const payload = pushPayload(delivery, deps.publicBaseUrl, checkinToken);
    const result = await sendPush(
      delivery,
      payload,
      { ttlSeconds: pushTtlSeconds(delivery.starts_at, now), topic: pushTopic(delivery.alert_id), urgency: 'high' },
      deps.sender,
    );
    return { delivery, result };
  } catch (err) {
    return {
      delivery,
      result: { kind: 'retry', status: null, retryAfterMs: undefined, reason: (err as Error).message },
    };
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
  const results: PushResult[] = [];
  const retries: PushRetry[] = [];
  const sentTo: string[] = [];
  const gone: { id: string; status: number }[] = [];
  const refused: string[] = [];
  const timedOut = new Set<string>();
  let firstRetryAt: Date | undefined;
  for (const { delivery, result } of outcomes) {
    const finish = (status: PushResult['status'], error: string | null) =>
      results.push({ deliveryId: delivery.delivery_id, status, error });
    deps.pushResults.inc({ result: result.kind, status_code: String(result.status ?? 'none') });
    switch (result.kind) {
      case 'sent':
        finish('completed', null);
        sentTo.push(delivery.subscription_id);
        break;
      case 'gone':
        finish('failed', pushGoneMessage(result.status));
        gone.push({ id: delivery.subscription_id, status: result.status });
        break;
      case 'rejected':
        finish('failed', result.reason);
        deps.logger.warn(
          {
            event: 'push.rejected',
            alert_id: delivery.alert_id,
            subscription_id: delivery.subscription_id,
            status: result.status,
            reason: result.reason,
          },
          'push service rejected a message',
        );
        break;
      case 'refused':
        finish('failed', `endpoint_policy: ${result.reason}`);
        refused.push(delivery.subscription_id);
        deps.logger.warn(
          {
            event: 'push.endpoint.refused',
            alert_id: delivery.alert_id,
            subscription_id: delivery.subscription_id,
            reason: result.reason,
          },
          'push endpoint refused by the endpoint policy; not contacted, subscription deactivated',
        );
        break;
      case 'retry': {
        const lastTry = delivery.attempt >= MAX_PUSH_ATTEMPTS;
        finish(lastTry ? 'dead_letter' : 'failed', result.reason);
        if (result.timedOut === true) timedOut.add(delivery.subscription_id);
        if (!lastTry) {
          const notBefore = new Date(
            now.getTime() + retryDelayMs(delivery.attempt, result.retryAfterMs, deps.retryBaseMs),
          );
          if (firstRetryAt === undefined || notBefore < firstRetryAt) firstRetryAt = notBefore;
          retries.push({
            alertId: delivery.alert_id,
            subscriptionId: delivery.subscription_id,
            attempt: delivery.attempt + 1,
            notBefore,
          });
        } else {
          deps.logger.warn(
            {
              event: 'push.dead_letter',
              alert_id: delivery.alert_id,
              subscription_id: delivery.subscription_id,
              attempts: delivery.attempt,
              reason: result.reason,
            },
            'push given up after its last attempt',
          );
        }
        break;
      }
    }
  }

  await sql.begin(async (tx) => {
    await recordPushResults(tx, results, retries, now);
    const touched = [...new Set([...sentTo, ...timedOut, ...refused, ...gone.map((g) => g.id)])];
    // Locked in one order, so replicas recording outcomes for the same subscriptions cannot deadlock.
    if (touched.length > 0) await lockSubscriptions(tx, touched);
    if (sentTo.length > 0) await markPushSent(tx, [...new Set(sentTo)], now);
    if (timedOut.size > 0) await quarantine(tx, deps.logger, [...timedOut], now);
    if (refused.length > 0) await deactivateRefused(tx, [...new Set(refused)], now);
    if (gone.length > 0) {
      for (const id of await deactivateGone(tx, gone, now)) {
        // Expected: browsers unsubscribe. Info, not a warning.
        deps.logger.info(
          { event: 'push.subscription.deactivated', subscription_id: id },
          'push subscription is gone; deactivated',
        );
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
  const rows = await quarantineSubscriptions(
    sql,
    subscriptionIds,
    { baseMs: QUARANTINE_BASE_MS, maxMs: QUARANTINE_MAX_MS },
    now,
  );
  await holdPushesForQuarantine(sql, subscriptionIds);
  for (const row of rows) {
    // The user's endpoint, not this service, is at fault: info.
    logger.info(
      {
        event: 'push.endpoint.quarantined',
        subscription_id: row.id,
        consecutive_timeouts: row.consecutive_timeouts,
        quarantined_until: row.quarantined_until.toISOString(),
      },
      'push endpoint timed out; quarantined',
    );
  }
}

/** Once no delivery of an alert is open any more: its `pushed` timeline entry and the one `push.dispatch.completed` line. */
export async function summarizeFinishedAlerts(
  deps: Pick<DeliverDeps, 'sql' | 'logger'>,
  alertIds: readonly string[],
): Promise<void> {
  const finished = await summarizePushedAlerts(deps.sql, alertIds);
  for (const row of finished) {
    deps.logger.info(
      {
        event: 'push.dispatch.completed',
        alert_id: row.alert_id,
        sent: row.sent,
        total: row.total,
        expired_deactivated: row.expired_deactivated,
        dead_lettered: row.dead_lettered,
      },
      `alert pushed to ${row.sent} of ${row.total} devices`,
    );
  }
}
