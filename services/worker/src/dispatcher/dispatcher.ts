import { setTimeout as sleep } from 'node:timers/promises';
import { ALERTS_PLANNED_CHANNEL, issueCheckinTokens } from '@nudge/alerts';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { claimRetries } from './claim-retries.js';
import { deliverPushes, summarizeFinishedAlerts, type DeliverDeps } from './deliver-pushes.js';
import { expireUnanswered } from './expire-unanswered.js';
import { notifyDueAlerts } from './notify-due-alerts.js';

export interface DispatcherOptions extends DeliverDeps {
  sql: Sql;
  logger: Logger;
  clock: Clock;
  checkinEnabled: boolean;
  escalationEnabled: boolean;
  /** Alerts claimed per transaction. */
  batchSize: number;
  /** The longest sleep when nothing is due: a safety net under LISTEN/NOTIFY. */
  maxIdleMs: number;
  staleProcessingMs: number;
}

/**
 * Sends due alerts as Web Push. It sleeps until the next alert is due — woken early by the
 * planner's NOTIFY when a sooner one is planned — rather than polling on a fixed slow interval.
 */
export class Dispatcher {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: AbortController = new AbortController();
  private unlisten: (() => Promise<void>) | undefined;
  private lastExpirySweep = 0;
  /** How far behind the oldest due alert was at the last check (for health and metrics). */
  lagMs = 0;
  lastLoopAt: Date | undefined;

  constructor(private readonly options: DispatcherOptions) {}

  async start(): Promise<void> {
    this.running = true;
    const listener = await this.options.sql.listen(ALERTS_PLANNED_CHANNEL, (payload) => this.onPlanned(payload));
    this.unlisten = () => listener.unlisten();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.abort();
    await this.loop;
    await this.unlisten?.();
  }

  private nextWakeAt = Number.POSITIVE_INFINITY;

  private onPlanned(payload: string): void {
    const due = Date.parse(payload);
    if (!Number.isNaN(due) && due < this.nextWakeAt) this.wake.abort();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const busy = await this.round();
        if (busy) continue;
        await this.sleepUntilNextDue();
      } catch (err) {
        // A failing round (database away, say) never ends the loop.
        this.options.logger.error({ event: 'dispatcher.round.failed', err }, `dispatch round failed: ${(err as Error).message}`);
        await this.pause(1_000);
      }
    }
  }

  /** One round; true when there may be more work right now. */
  private async round(): Promise<boolean> {
    const { options } = this;
    const now = options.clock.now();
    this.lastLoopAt = now;
    const notified = await notifyDueAlerts(options.sql, {
      now,
      limit: options.batchSize,
      checkinEnabled: options.checkinEnabled,
      escalationEnabled: options.escalationEnabled,
    });
    await deliverPushes(options, notified.deliveries, notified.tokens);
    for (const alertId of notified.withoutSubscriptions) {
      options.logger.info({ event: 'push.dispatch.completed', alert_id: alertId, sent: 0, total: 0, expired_deactivated: 0 }, 'alert has no active push subscription');
    }

    const retries = await claimRetries(options.sql, now, options.batchSize, options.staleProcessingMs);
    if (retries.deliveries.length > 0) {
      // The check-in token of a first attempt lives only in that process's memory: a retry gets a fresh one.
      const alerts = [...new Map(retries.deliveries.map((d) => [d.alert_id, d])).values()];
      const tokens = options.checkinEnabled ? await issueCheckinTokens(options.sql, alerts.map((d) => ({ alertId: d.alert_id, expiresAt: d.ends_at }))) : new Map<string, string>();
      await deliverPushes(options, retries.deliveries, tokens);
    }
    if (retries.closed.length > 0) await summarizeFinishedAlerts(options, retries.closedAlertIds);

    if (!options.escalationEnabled && now.getTime() - this.lastExpirySweep > 10_000) {
      this.lastExpirySweep = now.getTime();
      await expireUnanswered(options.sql, options.logger, now);
    }
    return notified.claimed === options.batchSize || retries.deliveries.length + retries.closed.length === options.batchSize;
  }

  private async sleepUntilNextDue(): Promise<void> {
    const { sql, clock, maxIdleMs } = this.options;
    const [next] = await sql<{ at: Date | null }[]>`
      select least(
        (select min(due_at) from alerts where state = 'scheduled'),
        (select min(not_before) from deliveries where status = 'pending' and channel = 'push'),
        (select min(last_attempt_at) + make_interval(secs => ${this.options.staleProcessingMs / 1000}) from deliveries where status = 'processing' and channel = 'push')
      ) as at`;
    const now = clock.now().getTime();
    const dueAt = next?.at?.getTime();
    this.lagMs = dueAt !== undefined && dueAt < now ? now - dueAt : 0;
    const wait = Math.min(dueAt === undefined ? maxIdleMs : Math.max(0, dueAt - now), maxIdleMs);
    this.nextWakeAt = now + wait;
    await this.pause(wait);
    this.nextWakeAt = Number.POSITIVE_INFINITY;
  }

  private async pause(ms: number): Promise<void> {
    if (this.wake.signal.aborted) this.wake = new AbortController();
    if (!this.running) return;
    await sleep(ms, undefined, { signal: this.wake.signal }).catch(() => undefined);
    if (this.wake.signal.aborted) this.wake = new AbortController();
  }
}
