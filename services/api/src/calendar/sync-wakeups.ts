import { wakeSyncWorkers } from '@nudge/calendar';
import type { Sql } from '@nudge/db';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Wakes the workers for new targeted sync requests with as few NOTIFYs as keep them prompt: one
 * at a time, and every request made while one is on its way is answered by the next. A burst of
 * 5,000 notifications then commits its requests side by side instead of one after another behind
 * the NOTIFY lock. A wake-up lost with the process (the request is committed, the NOTIFY not yet
 * sent) is found by the workers' fallback poll.
 */
export class SyncWakeups {
  private pending = false;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly logger: FastifyBaseLogger,
  ) {}

  /** Asks for a wake-up; returns at once. */
  request(): void {
    this.pending = true;
    this.sending ??= this.send();
  }

  /** Resolves once every wake-up asked for so far is sent (or failed). */
  async settled(): Promise<void> {
    await this.sending;
  }

  private async send(): Promise<void> {
    while (this.pending) {
      this.pending = false;
      try {
        await wakeSyncWorkers(this.sql);
      } catch (error) {
        this.logger.warn(
          { event: 'calendar.sync_wakeup.failed', err: error },
          'waking the workers for a targeted sync failed; their fallback poll will find it',
        );
      }
    }
    this.sending = undefined;
  }
}
