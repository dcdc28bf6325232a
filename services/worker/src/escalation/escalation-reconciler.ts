import { dueCallAttempts } from '@nudge/alerts';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { runLoop, type Loop } from '@nudge/service';
import { endUnansweredAlerts } from '../dispatcher/end-unanswered-alerts.js';
import type { EscalationQueue } from './escalation-queue.js';

export interface ReconcilerOptions {
  sql: Sql;
  logger: Logger;
  clock: Clock;
  queue: EscalationQueue;
  intervalMs: number;
  leaseMs: number;
}

/**
 * Keeps the queue in line with Postgres: every tick it ends alerts whose meeting started, then
 * (re)adds the job of every attempt due within the look-ahead. Duplicates are ignored by BullMQ,
 * so a Redis that restarted empty, or was down at the due time, delays calls but loses none.
 */
export class EscalationReconciler {
  private loop: Loop | undefined;
  private queueDown = false;
  lastTickAt: Date | undefined;

  constructor(private readonly options: ReconcilerOptions) {}

  /** Jobs are added this far ahead of their time, so BullMQ's delay, not this loop, sets the moment. */
  get lookaheadMs(): number {
    return Math.max(60_000, 3 * this.options.intervalMs, 2 * this.options.leaseMs);
  }

  start(): void {
    const { intervalMs, logger } = this.options;
    this.loop = runLoop({
      round: async () => {
        await this.tick();
        return intervalMs;
      },
      onError: (err) =>
        logger.error(
          { event: 'escalation.reconcile.failed', err },
          `escalation reconcile failed: ${(err as Error).message}`,
        ),
      backoffMs: () => intervalMs,
    });
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  async tick(): Promise<number> {
    const { sql, logger, clock, queue } = this.options;
    const now = clock.now();
    this.lastTickAt = now;
    await endUnansweredAlerts(sql, logger, now, { escalation: true });
    const due = await dueCallAttempts(sql, now, this.lookaheadMs, this.options.leaseMs);
    try {
      await queue.add(due, clock.now());
      if (this.queueDown)
        logger.info(
          { event: 'escalation.reconcile.recovered', jobs: due.length },
          'escalation jobs re-created after Redis returned',
        );
      this.queueDown = false;
    } catch (err) {
      // Postgres still holds every attempt; the next tick adds them once Redis answers.
      if (!this.queueDown)
        logger.warn(
          { event: 'escalation.reconcile.failed', err: (err as Error).message, jobs: due.length },
          'cannot reach the escalation queue',
        );
      this.queueDown = true;
    }
    return due.length;
  }
}
