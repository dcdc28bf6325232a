import {
  claimSyncRequests,
  completeSyncRequests,
  SYNC_REQUESTED_CHANNEL,
  type ClaimedSyncRequest,
  type LiveCredential,
} from '@nudge/calendar';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { Histogram, type Registry } from 'prom-client';
import { completeUserSyncs, fetchUserSync, type FetchedSync, type RunUserSyncDeps } from '../run-user-sync.js';
import { GroupCommit } from './group-commit.js';

interface Completion {
  fetched: FetchedSync;
  request: ClaimedSyncRequest;
}

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
  /**
   * Opens a channel for a credential that has none (a new connection); undefined when channels
   * are off. It runs before the sync, so a change made while the sync runs is still notified.
   */
  openChannel?: (credential: LiveCredential, signal: AbortSignal) => Promise<unknown>;
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
  private readonly claimBatch: number;
  private readonly commits: GroupCommit<Completion>;

  constructor(private readonly options: TargetedSyncOptions) {
    this.claimBatch = Math.max(1, Math.floor(options.concurrency / 8));
    this.commits = new GroupCommit((batch) => this.completeBatch(batch), options.concurrency);
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
        // Under a burst, claim in batches (an eighth of the concurrency) rather than one per finished sync.
        if (room >= this.claimBatch || (room > 0 && this.inFlight.size === 0)) {
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

  private launch(request: ClaimedSyncRequest): void {
    const task = this.syncOne(request).finally(() => {
      this.inFlight.delete(task);
      this.wake();
    });
    this.inFlight.add(task);
  }

  private async syncOne(request: ClaimedSyncRequest): Promise<void> {
    const { options } = this;
    if (request.needsChannel && options.openChannel !== undefined)
      await options.openChannel(request.credential, this.abort.signal);
    const fetched = await fetchUserSync(options.syncDeps, request.credential, options.clock.now(), this.abort.signal);
    // A failed sync keeps its claim: it is retried once the claim is stale, not in a tight loop.
    if (!('run' in fetched)) return;
    await this.commits
      .add({ fetched, request })
      .catch((error: unknown) =>
        options.logger.error(
          { event: 'calendar.targeted.complete_failed', user_id: request.credential.user_id, err: error },
          'could not complete a targeted sync request',
        ),
      );
  }

  /**
   * Completes a batch of fetched syncs in one transaction, their requests with them: while one
   * batch commits, the syncs that finish fetching gather for the next (a group commit), so a
   * burst costs a few round trips per batch instead of a dozen per user, and a lone sync waits
   * for nobody.
   */
  private async completeBatch(batch: readonly Completion[]): Promise<void> {
    const { options } = this;
    const byCredential = new Map(batch.map((item) => [item.request.credential.id, item.request]));
    const again = new Set<string>();
    const outcomes = await completeUserSyncs(
      options.syncDeps,
      batch.map((item) => item.fetched),
      async (tx, completed) => {
        const requests = completed.map((one) => byCredential.get(one.credential.id)!);
        for (const id of await completeSyncRequests(tx, requests)) again.add(id);
      },
    );
    const now = options.clock.now().getTime();
    batch.forEach(({ request }, i) => {
      if (outcomes[i]?.ok !== true) return;
      const seconds = (now - request.first_requested_at.getTime()) / 1000;
      this.latency?.observe(seconds);
      options.logger.info(
        {
          event: 'calendar.targeted.synced',
          user_id: request.credential.user_id,
          notifications: request.notifications,
          latency_ms: Math.round(seconds * 1000),
          again: again.has(request.credential.id),
        },
        'targeted calendar sync done',
      );
    });
  }
}
