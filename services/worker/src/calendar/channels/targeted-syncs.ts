import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { Histogram, type Registry } from 'prom-client';
import { runUserSync, type RunUserSyncDeps } from '../run-user-sync.js';
import {
  claimSyncRequests,
  completeSyncRequest,
  SYNC_REQUESTED_CHANNEL,
  type ClaimedRequest,
} from './sync-requests.js';

export interface TargetedSyncOptions {
  sql: Sql;
  clock: Clock;
  logger: Logger;
  instanceId: string;
  /** The sync's deps, with the quota gate of kind `targeted`. */
  syncDeps: RunUserSyncDeps;
  concurrency: number;
  /** Looks for requests this often even without a NOTIFY (a dropped LISTEN connection loses none). */
  fallbackPollMs: number;
  /** A claim older than this is taken again (its worker died, or its sync failed). */
  staleClaimMs: number;
  registry?: Registry;
}

/**
 * Runs the targeted syncs notifications ask for, as soon as they are asked for: woken by the
 * api's NOTIFY, it claims pending requests while it has room and syncs each user at once.
 */
export class TargetedSyncs {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private wakeUp: (() => void) | undefined;
  private wakeRequested = false;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly abort = new AbortController();
  private readonly latency: Histogram | undefined;

  constructor(private readonly options: TargetedSyncOptions) {
    this.latency =
      options.registry === undefined
        ? undefined
        : new Histogram({
            name: 'nudge_calendar_notification_to_sync_seconds',
            help: 'From a Google notification to the end of the targeted sync it asked for',
            buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
            registers: [options.registry],
          });
  }

  async start(): Promise<void> {
    this.running = true;
    const listener = await this.options.sql.listen(SYNC_REQUESTED_CHANNEL, () => this.wake());
    this.unlisten = () => listener.unlisten();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.wake();
    await this.loop;
    await Promise.all([...this.inFlight]);
    await this.unlisten?.();
  }

  private wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    const { options } = this;
    while (this.running) {
      try {
        this.wakeRequested = false;
        const room = options.concurrency - this.inFlight.size;
        if (room > 0) {
          const now = options.clock.now();
          const claimed = await claimSyncRequests(
            options.sql,
            options.instanceId,
            now,
            new Date(now.getTime() - options.staleClaimMs),
            room,
          );
          for (const request of claimed) this.launch(request);
          if (claimed.length === room) continue;
        }
        await this.pause();
      } catch (error) {
        options.logger.error(
          { event: 'calendar.targeted.loop_failed', err: error },
          'the targeted sync loop failed; retrying',
        );
        await this.pause();
      }
    }
  }

  /** Until woken (a NOTIFY, a finished sync) or the fallback poll is due. */
  private async pause(): Promise<void> {
    if (this.wakeRequested || !this.running) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.fallbackPollMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
  }

  private launch(request: ClaimedRequest): void {
    const task = this.syncOne(request).finally(() => {
      this.inFlight.delete(task);
      this.wake();
    });
    this.inFlight.add(task);
  }

  private async syncOne(request: ClaimedRequest): Promise<void> {
    const { options } = this;
    const outcome = await runUserSync(options.syncDeps, request.credential, options.clock.now(), this.abort.signal);
    // A failed sync keeps its claim: it is retried once the claim is stale, not in a tight loop.
    if (!outcome.ok) return;
    try {
      const next = await completeSyncRequest(options.sql, request);
      const seconds = (options.clock.now().getTime() - request.first_requested_at.getTime()) / 1000;
      this.latency?.observe(seconds);
      options.logger.info(
        {
          event: 'calendar.targeted.synced',
          user_id: request.credential.user_id,
          notifications: request.notifications,
          latency_ms: Math.round(seconds * 1000),
          again: next === 'again',
        },
        'targeted calendar sync done',
      );
    } catch (error) {
      options.logger.error(
        { event: 'calendar.targeted.complete_failed', user_id: request.credential.user_id, err: error },
        'could not complete a targeted sync request',
      );
    }
  }
}
