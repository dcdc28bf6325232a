import type { CallStatus } from './call-status.js';

/**
 * A delivery is one attempt to reach a user on one channel: a push to one subscription, or one
 * phone call. It is `pending` until its time, `processing` while a worker holds it, and ends
 * `completed`, `failed`, or `dead_letter` (a push whose last retry failed too).
 */
export const DELIVERY_STATUSES = ['pending', 'processing', 'completed', 'failed', 'dead_letter'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DELIVERY_CHANNELS = ['push', 'call'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

/** Not finished: waiting for its time, or held by a worker. */
export const OPEN_DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'processing'];

export function isOpenDelivery(status: DeliveryStatus): boolean {
  return OPEN_DELIVERY_STATUSES.includes(status);
}

/** What a call's final status makes of its delivery: answered is completed, everything else failed. */
export function deliveryStatusAfterCall(status: CallStatus): DeliveryStatus {
  return status === 'completed' ? 'completed' : 'failed';
}
