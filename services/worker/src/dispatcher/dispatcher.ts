import {
  ALERTS_PLANNED_CHANNEL,
  claimPushRetries,
  issueCheckinTokens,
  keepPushDeliveriesHeld,
  nextPushWorkAt,
  notifyDueAlerts,
  releasePushDeliveries,
  type CheckinTokens,
  type ClaimedDelivery,
} from '@nudge/alerts';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { runLoop, type Loop } from '@nudge/service';
import {
  recordOutcomes,
  sendDelivery,
  summarizeFinishedAlerts,
  type DeliverDeps,
  type Outcome,
} from './deliver-pushes.js';
import { endUnansweredAlerts } from './end-unanswered-alerts.js';
import { FairSendPool } from './fair-send-pool.js';
import { OutcomeRecorder } from './outcome-recorder.js';

export interface DispatcherOptions extends DeliverDeps {
  sql: Sql;
  logger: Logger;
  clock: Clock;
  checkinEnabled: boolean;
  escalationEnabled: boolean;
  /** Alerts claimed per transaction. */
  batchSize: number;
  /** One user's sends in flight at once. */
  perUserConcurrency: number;
  /** The longest sleep when nothing is due: a safety net under LISTEN/NOTIFY. */
  maxIdleMs: number;
  staleProcessingMs: number;
}

interface HeldDelivery {
  delivery: ClaimedDelivery;
  /** The check-in token lives only in this process's memory. */
  checkinToken: string | undefined;
}

/**
 * Sends due alerts as Web Push. It sleeps until the next alert is due — woken early by the
 * planner's NOTIFY when a sooner one is planned — rather than polling on a fixed slow interval.
 *
 * Sends run in a pool where each one frees its slot as soon as it ends and records its own
 * outcome (batched with whatever else ended meanwhile); the loop claims more work whenever the
 * pool has room, so slow sends never hold back the next alerts. One user's sends in flight are
 * capped, so a user whose endpoints never answer holds a few slots, not the pool.
 */
export class Dispatcher {
  private loop: Loop | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private lastExpirySweep = 0;
  private waitingForRoom = false;
  /** Deliveries this process holds as `processing`: queued, being sent, or their outcome not written yet. */
  private readonly held = new Set<string>();
  private readonly pool: FairSendPool<HeldDelivery>;
  private readonly recorder: OutcomeRecorder<Outcome>;
  private heartbeat: NodeJS.Timeout | undefined;
  private heartbeating = false;
  /** How far behind the oldest due alert was at the last check (for health and metrics). */
  lagMs = 0;
  lastLoopAt: Date | undefined;

  constructor(private readonly options: DispatcherOptions) {
    this.pool = new FairSendPool<HeldDelivery>({
      concurrency: options.concurrency,
      perKey: options.perUserConcurrency,
      keyOf: (held) => held.delivery.user_id,
      run: async (held) => this.recorder.add(await sendDelivery(options, held.delivery, held.checkinToken)),
      onTaskEnd: () => {
        if (this.waitingForRoom && this.hasRoom()) this.wakeUp();
      },
    });
    this.recorder = new OutcomeRecorder<Outcome>(
      async (outcomes) => {
        try {
          const retryAt = await recordOutcomes(options, outcomes);
          if (retryAt !== undefined) this.wakeBy(retryAt.getTime());
        } finally {
          // Unwritten outcomes are left `processing`: once stale, a dispatcher sends them again.
          for (const { delivery } of outcomes) this.held.delete(delivery.delivery_id);
        }
      },
      (err, outcomes) =>
        options.logger.error(
          { event: 'dispatcher.record.failed', err, deliveries: outcomes.length },
          `recording push outcomes failed: ${(err as Error).message}`,
        ),
    );
  }

  async start(): Promise<void> {
    const listener = await this.options.sql.listen(ALERTS_PLANNED_CHANNEL, (payload) => this.onPlanned(payload));
    this.unlisten = () => listener.unlisten();
    this.heartbeat = setInterval(
      () => void this.keepHeldFresh(),
      Math.max(250, Math.floor(this.options.staleProcessingMs / 4)),
    );
    this.heartbeat.unref();
    this.loop = runLoop({
      round: () => this.round(),
      // A failing round (database away, say) never ends the loop.
      onError: (err) =>
        this.options.logger.error(
          { event: 'dispatcher.round.failed', err },
          `dispatch round failed: ${(err as Error).message}`,
        ),
      backoffMs: () => 1_000,
    });
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
    await this.releaseUnsent();
    await this.pool.idle();
    await this.recorder.drain();
    clearInterval(this.heartbeat);
    await this.unlisten?.();
  }

  private nextWakeAt = Number.POSITIVE_INFINITY;

  private onPlanned(payload: string): void {
    const due = Date.parse(payload);
    if (!Number.isNaN(due)) this.wakeBy(due);
  }

  private wakeBy(at: number): void {
    if (at < this.nextWakeAt) this.wakeUp();
  }

  /** Ends the current pause, or the next one at once when the loop is busy (a wake-up is never lost). */
  private wakeUp(): void {
    this.loop?.wake();
  }

  /** Less than one pool's worth of sends waits for a slot: time to claim more. */
  private hasRoom(): boolean {
    return this.pool.waitingForSlots < this.options.concurrency;
  }

  /** One round of the loop; returns how long to pause before the next. */
  private async round(): Promise<number> {
    // What the previous pause waited for is over.
    this.waitingForRoom = false;
    this.nextWakeAt = Number.POSITIVE_INFINITY;
    this.lastLoopAt = this.options.clock.now();
    if (!this.hasRoom()) {
      // Until a send ends (the pool wakes the loop) or the idle limit.
      this.waitingForRoom = true;
      return this.options.maxIdleMs;
    }
    const busy = await this.claim();
    if (busy) return 0;
    return this.untilNextDue();
  }

  /** Claims due alerts and due retries into the pool; true when there may be more work right now. */
  private async claim(): Promise<boolean> {
    const { options } = this;
    const now = options.clock.now();
    const notified = await notifyDueAlerts(options.sql, {
      now,
      limit: options.batchSize,
      checkinEnabled: options.checkinEnabled,
      escalationEnabled: options.escalationEnabled,
    });
    this.enqueue(notified.deliveries, notified.tokens);
    for (const alertId of notified.withoutSubscriptions) {
      options.logger.info(
        { event: 'push.dispatch.completed', alert_id: alertId, sent: 0, total: 0, expired_deactivated: 0 },
        'alert has no active push subscription',
      );
    }

    const retries = await claimPushRetries(options.sql, now, options.batchSize, options.staleProcessingMs);
    if (retries.deliveries.length > 0) {
      // The check-in token of a first attempt lives only in that process's memory: a retry gets a fresh one.
      const alerts = [...new Map(retries.deliveries.map((d) => [d.alert_id, d])).values()];
      const tokens = options.checkinEnabled
        ? await issueCheckinTokens(
            options.sql,
            alerts.map((d) => ({ alertId: d.alert_id, expiresAt: d.ends_at })),
          )
        : new Map<string, string>();
      this.enqueue(retries.deliveries, tokens);
    }
    if (retries.closed.length > 0) await summarizeFinishedAlerts(options, retries.closedAlertIds);

    if (!options.escalationEnabled && now.getTime() - this.lastExpirySweep > 10_000) {
      this.lastExpirySweep = now.getTime();
      await endUnansweredAlerts(options.sql, options.logger, now);
    }
    return (
      notified.claimed === options.batchSize || retries.deliveries.length + retries.closed.length === options.batchSize
    );
  }

  private enqueue(deliveries: readonly ClaimedDelivery[], tokens: CheckinTokens): void {
    // A delivery this process still holds (its heartbeat lagged and it was reclaimed as stale) is not sent twice.
    const fresh = deliveries.filter((d) => !this.held.has(d.delivery_id));
    for (const d of fresh) this.held.add(d.delivery_id);
    this.pool.add(fresh.map((delivery) => ({ delivery, checkinToken: tokens.get(delivery.alert_id) })));
  }

  /** Held deliveries stay `processing` with a recent time, so no dispatcher takes them for a dead one's. */
  private async keepHeldFresh(): Promise<void> {
    if (this.heartbeating || this.held.size === 0) return;
    this.heartbeating = true;
    try {
      await keepPushDeliveriesHeld(this.options.sql, [...this.held], this.options.clock.now());
    } catch (err) {
      this.options.logger.error(
        { event: 'dispatcher.heartbeat.failed', err },
        `refreshing held deliveries failed: ${(err as Error).message}`,
      );
    } finally {
      this.heartbeating = false;
    }
  }

  /** On stop, deliveries queued but never sent go back to `pending`, for any dispatcher to send now. */
  private async releaseUnsent(): Promise<void> {
    const unsent = this.pool.takeQueued().map((held) => held.delivery.delivery_id);
    if (unsent.length === 0) return;
    try {
      await releasePushDeliveries(this.options.sql, unsent, this.options.clock.now());
    } catch (err) {
      // Left `processing`: another dispatcher sends them once they are stale.
      this.options.logger.error(
        { event: 'dispatcher.release.failed', err, deliveries: unsent.length },
        `releasing unsent deliveries failed: ${(err as Error).message}`,
      );
    }
    for (const id of unsent) this.held.delete(id);
  }

  /** How long to pause until the next alert or delivery is due (at most the idle limit). */
  private async untilNextDue(): Promise<number> {
    const { sql, clock, maxIdleMs } = this.options;
    const next = await nextPushWorkAt(sql, this.options.staleProcessingMs);
    const now = clock.now().getTime();
    const dueAt = next?.getTime();
    this.lagMs = dueAt !== undefined && dueAt < now ? now - dueAt : 0;
    const wait = Math.min(dueAt === undefined ? maxIdleMs : Math.max(0, dueAt - now), maxIdleMs);
    this.nextWakeAt = now + wait;
    return wait;
  }
}
