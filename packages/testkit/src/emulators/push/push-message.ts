import type { VapidIdentity } from './vapid-verification.js';

export type Urgency = 'very-low' | 'low' | 'normal' | 'high';

/** A message the push service accepted, decrypted as the device would see it. */
export class PushMessage {
  constructor(
    readonly endpoint: string,
    readonly payload: Buffer,
    readonly ttl: number,
    readonly urgency: Urgency,
    readonly topic: string | undefined,
    readonly vapid: VapidIdentity,
    readonly receivedAt: Date,
  ) {}

  get text(): string {
    return this.payload.toString('utf8');
  }

  json<T = unknown>(): T {
    return JSON.parse(this.text) as T;
  }
}
