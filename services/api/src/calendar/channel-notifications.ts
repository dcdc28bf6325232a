import { createHash } from 'node:crypto';
import { acceptChannelMessage, queueSyncRequest } from '@nudge/calendar';
import type { Sql } from '@nudge/db';

/** The X-Goog-* headers of a push notification, as received (any may be missing or forged). */
export interface NotificationHeaders {
  channelId: string | undefined;
  token: string | undefined;
  resourceId: string | undefined;
  resourceState: string | undefined;
  messageNumber: string | undefined;
}

export type NotificationOutcome =
  /** A change: a targeted sync is queued (or one already pending absorbs it). */
  | 'queued'
  /** Google's `sync` message at channel creation: nothing to do. */
  | 'sync'
  /** A message number already seen on this channel: nothing to do. */
  | 'replayed'
  /** No open channel with that id (unknown, stopped, expired, or its credential is gone). */
  | 'unknown_channel'
  /** The channel exists but the token or resource id does not match. */
  | 'mismatch'
  /** Headers missing or malformed. */
  | 'malformed';

const CHANNEL_ID = /^[A-Za-z0-9\-_+/=]{1,64}$/;
const MESSAGE_NUMBER = /^\d{1,18}$/;
const RESOURCE_STATES = new Set(['sync', 'exists', 'not_exists']);

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Handles one notification without calling Google, in two statements: the channel id, token
 * and resource id must match an open channel of a live credential (checked, and the message
 * number advanced, in one), or nothing happens. A change queues one targeted sync for the user
 * — one row per credential, so a burst coalesces — and, when the row is new, asks `wake` to
 * wake the workers.
 */
export async function acceptNotification(
  sql: Sql,
  headers: NotificationHeaders,
  now: Date,
  wake: () => void,
): Promise<NotificationOutcome> {
  const { channelId, token, resourceId, resourceState, messageNumber } = headers;
  if (channelId === undefined || !CHANNEL_ID.test(channelId)) return 'malformed';
  if (
    resourceId === undefined ||
    resourceId.length > 256 ||
    resourceState === undefined ||
    !RESOURCE_STATES.has(resourceState)
  )
    return 'malformed';
  if (messageNumber === undefined || !MESSAGE_NUMBER.test(messageNumber)) return 'malformed';
  if (token === undefined || token.length > 256) return 'mismatch';
  const message = await acceptChannelMessage(
    sql,
    { channelId, tokenHash: hashOf(token), resourceId, messageNumber },
    now,
  );
  if (message === undefined) return 'unknown_channel';
  if (!message.matches) return 'mismatch';
  // Message numbers only grow on a channel: one seen before is a replay (or Google's retry of one we took).
  if (!message.advanced) return 'replayed';
  if (resourceState === 'sync') return 'sync';
  if (await queueSyncRequest(sql, message.credential_id, now)) wake();
  return 'queued';
}
