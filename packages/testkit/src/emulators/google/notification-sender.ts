import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { WatchChannel } from './watch-channels.js';

const RETRIES = 4;
/**
 * Deliveries in flight at once; the rest queue in order. A real sender works through a bounded
 * pool of connections: 5,000 simultaneous POSTs would time out at the receiver and come back as
 * retries, and would starve this process's own Calendar API answers (the emulator serves both).
 */
const DELIVERY_CONCURRENCY = 32;

export type ResourceState = 'sync' | 'exists' | 'not_exists';

/** One notification the emulator tried to deliver, with what the receiver answered. */
export interface DeliveredNotification {
  channelId: string;
  email: string;
  state: ResourceState;
  messageNumber: number;
  /** HTTP status, or undefined when the address did not answer. */
  status: number | undefined;
  /** Dropped on purpose (a lost notification): never sent. */
  lost: boolean;
  at: Date;
}

/**
 * Delivers notifications the way Google does: a POST with an empty body and the X-Goog-*
 * headers to the channel's address, retried with backoff while the address does not answer or
 * answers 5xx. Deliveries run in the background; `settled()` waits for them.
 */
export class NotificationSender {
  readonly delivered: DeliveredNotification[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private toLose = new Map<string, number>();
  private readonly record: boolean;
  private readonly deliveries = pLimit(DELIVERY_CONCURRENCY);

  constructor(
    private readonly now: () => number,
    options: { record: boolean },
  ) {
    this.record = options.record;
  }

  /** The user's next `times` change notifications are lost on the way (the `sync` message is not). */
  lose(email: string, times: number): void {
    this.toLose.set(email, (this.toLose.get(email) ?? 0) + times);
  }

  send(channel: WatchChannel, state: ResourceState): void {
    channel.messageNumber += 1;
    const base = {
      channelId: channel.id,
      email: channel.email,
      state,
      messageNumber: channel.messageNumber,
      at: new Date(this.now()),
    };
    const lose = state !== 'sync' ? (this.toLose.get(channel.email) ?? 0) : 0;
    if (lose > 0) {
      this.toLose.set(channel.email, lose - 1);
      if (this.record) this.delivered.push({ ...base, status: undefined, lost: true });
      return;
    }
    const headers: Record<string, string> = {
      'x-goog-channel-id': channel.id,
      'x-goog-channel-expiration': new Date(channel.expiration).toUTCString(),
      'x-goog-resource-id': channel.resourceId,
      'x-goog-resource-uri': channel.resourceUri,
      'x-goog-resource-state': state,
      'x-goog-message-number': String(channel.messageNumber),
      'content-length': '0',
      'user-agent': 'APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)',
    };
    if (channel.token !== undefined) headers['x-goog-channel-token'] = channel.token;
    const delivery = this.deliver(channel.address, headers).then((status) => {
      if (this.record) this.delivered.push({ ...base, status, lost: false });
    });
    const tracked = delivery.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /**
   * One POST, retried as Google retries: after no answer or a 5xx, with exponential backoff
   * (1 s, 2 s, 4 s, 8 s), then given up. Answers the last status (undefined: never answered).
   */
  private async deliver(address: string, headers: Record<string, string>): Promise<number | undefined> {
    let status: number | undefined;
    for (let attempt = 0; attempt < RETRIES + 1; attempt += 1) {
      if (attempt > 0) await sleep(1_000 * 2 ** (attempt - 1));
      status = await this.deliveries(() =>
        fetch(address, { method: 'POST', headers, signal: AbortSignal.timeout(10_000) })
          .then(async (response) => {
            await response.arrayBuffer().catch(() => undefined);
            return response.status;
          })
          .catch(() => undefined),
      );
      if (status !== undefined && status < 500) return status;
    }
    return status;
  }

  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
