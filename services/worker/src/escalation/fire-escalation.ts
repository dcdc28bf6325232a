import {
  callUrls,
  claimCallAttempt,
  knownCallSids,
  recordPlacedCall,
  recordRejectedCall,
  releaseCallAttempt,
  type AttemptRef,
} from '@nudge/alerts';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import type { Counter } from 'prom-client';
import { CallRejectedError, type TwilioCalls } from './twilio-calls.js';

export interface FireDeps {
  sql: Sql;
  logger: Logger;
  clock: Clock;
  calls: TwilioCalls;
  fromNumber: string;
  callsPublicUrl: string;
  ringTimeoutSeconds: number;
  /** How long an attempt belongs to the worker that recorded it before another may take it over. */
  leaseMs: number;
  /** Escalation outcomes by `outcome`. */
  outcomes: Counter<'outcome'>;
}

/** Thrown so the queue counts the job as failed; the reconciler retries the attempt. */
export class AttemptDeferredError extends Error {
  override readonly name = 'AttemptDeferredError';
}

// Twilio's date_created has whole seconds; the window around a lost attempt allows for that.
const CLOCK_SLACK_MS = 2_000;

/**
 * An escalation job fires: claim and record the attempt, then place the call (or adopt the one
 * a dead worker placed), never twice for the same attempt.
 */
export async function fireEscalation(deps: FireDeps, ref: AttemptRef): Promise<void> {
  const { logger, sql } = deps;
  const now = deps.clock.now();
  const claim = await claimCallAttempt(sql, ref, now, deps.leaseMs);
  const ids = { alert_id: ref.alertId, attempt: ref.attempt };
  if (claim.kind === 'nothing') {
    logger.debug(
      { event: 'escalation.job.skipped', ...ids, reason: claim.reason },
      `escalation job skipped: ${claim.reason}`,
    );
    return;
  }
  if (claim.kind === 'in_flight')
    throw new AttemptDeferredError(`attempt ${ref.attempt} of alert ${ref.alertId} is in flight elsewhere`);
  if (claim.kind === 'skipped') {
    deps.outcomes.inc({ outcome: 'skipped' });
    logger.info({ event: 'escalation.call.skipped', ...ids, reason: claim.reason }, `cannot escalate: ${claim.reason}`);
    return;
  }

  try {
    if (claim.reconcileSince !== undefined) {
      const since = new Date(claim.reconcileSince.getTime() - CLOCK_SLACK_MS);
      const candidates = await deps.calls.createdBetween(claim.to, since, new Date(now.getTime() + CLOCK_SLACK_MS));
      const known = await knownCallSids(
        sql,
        candidates.map((c) => c.sid),
      );
      const lost = candidates.find((c) => !known.has(c.sid));
      if (lost !== undefined) {
        await recordPlacedCall(sql, ref, claim.deliveryId, lost.sid, { reconciled: true });
        deps.outcomes.inc({ outcome: 'reconciled' });
        logger.info(
          { event: 'escalation.call.reconciled', ...ids, call_sid: lost.sid },
          'found the call an earlier attempt placed; not calling again',
        );
        return;
      }
    }
    const sid = await deps.calls.create({
      to: claim.to,
      from: deps.fromNumber,
      ringTimeoutSeconds: deps.ringTimeoutSeconds,
      ...callUrls(deps.callsPublicUrl, ref),
    });
    await recordPlacedCall(sql, ref, claim.deliveryId, sid, {});
    deps.outcomes.inc({ outcome: 'placed' });
    const lateness = claim.escalateAt === null ? undefined : now.getTime() - claim.escalateAt.getTime();
    logger.info(
      { event: 'escalation.call.placed', ...ids, call_sid: sid, lateness_ms: lateness },
      'escalation call placed',
    );
  } catch (error) {
    if (error instanceof CallRejectedError) {
      await recordRejectedCall(sql, ref, claim.deliveryId, error);
      deps.outcomes.inc({ outcome: 'rejected' });
      logger.warn(
        { event: 'escalation.call.rejected', ...ids, status: error.status, code: error.code, reason: error.message },
        `Twilio rejected the call: ${error.message}`,
      );
      return;
    }
    await releaseCallAttempt(sql, claim.deliveryId, (error as Error).message);
    deps.outcomes.inc({ outcome: 'deferred' });
    logger.warn(
      { event: 'escalation.call.deferred', ...ids, reason: (error as Error).message },
      `call deferred: ${(error as Error).message}`,
    );
    throw new AttemptDeferredError((error as Error).message, { cause: error });
  }
}
