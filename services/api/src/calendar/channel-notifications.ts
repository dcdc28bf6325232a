import { createHash, timingSafeEqual } from 'node:crypto';
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

export const SYNC_REQUESTED_CHANNEL = 'nudge_calendar_sync_requested';

const CHANNEL_ID = /^[A-Za-z0-9\-_+/=]{1,64}$/;
const MESSAGE_NUMBER = /^\d{1,18}$/;
const RESOURCE_STATES = new Set(['sync', 'exists', 'not_exists']);

interface ChannelRow {
  credential_id: string;
  token_hash: string;
  resource_id: string;
  last_message_number: string | null;
}

function sameHash(givenToken: string, storedHash: string): boolean {
  const given = createHash('sha256').update(givenToken).digest();
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === given.length && timingSafeEqual(given, stored);
}

/**
 * Handles one notification without calling Google: the channel id, token and resource id must
 * match an open channel of a live credential, or nothing happens. A change queues one targeted
 * sync for the user — one row per credential, so a burst coalesces — and wakes the workers
 * with a NOTIFY only when the row is new.
 */
export async function acceptNotification(sql: Sql, headers: NotificationHeaders, now: Date): Promise<NotificationOutcome> {
  const { channelId, token, resourceId, resourceState, messageNumber } = headers;
  if (channelId === undefined || !CHANNEL_ID.test(channelId)) return 'malformed';
  if (resourceId === undefined || resourceId.length > 256 || resourceState === undefined || !RESOURCE_STATES.has(resourceState)) return 'malformed';
  if (messageNumber === undefined || !MESSAGE_NUMBER.test(messageNumber)) return 'malformed';
  if (token === undefined || token.length > 256) return 'mismatch';
  const [channel] = await sql<ChannelRow[]>`
    select ch.credential_id, ch.token_hash, ch.resource_id, ch.last_message_number::text as last_message_number
    from calendar_channels ch
    join calendar_credentials c on c.id = ch.credential_id and not c.revoked
    where ch.id = ${channelId} and ch.state in ('live', 'replaced') and ch.expires_at > ${now}`;
  if (channel === undefined) return 'unknown_channel';
  if (!sameHash(token, channel.token_hash) || channel.resource_id !== resourceId) return 'mismatch';
  // Message numbers only grow on a channel: one seen before is a replay (or Google's retry of one we took).
  const advanced = await sql`
    update calendar_channels set last_message_number = ${messageNumber}::bigint
    where id = ${channelId} and (last_message_number is null or last_message_number < ${messageNumber}::bigint)
    returning id`;
  if (advanced.length === 0) return 'replayed';
  if (resourceState === 'sync') return 'sync';
  await sql`
    with queued as (
      insert into calendar_sync_requests as r (credential_id, first_requested_at, requested_at)
      values (${channel.credential_id}, ${now}, ${now})
      on conflict (credential_id) do update set requested_at = excluded.requested_at, notifications = r.notifications + 1
      returning (xmax = 0) as inserted
    )
    select pg_notify(${SYNC_REQUESTED_CHANNEL}, '') from queued where inserted`;
  return 'queued';
}

export interface ChannelToStop {
  id: string;
  resource_id: string;
}

/**
 * Disconnect: the user's open channels are closed here (their notifications are ignored from
 * now on) and returned, to be stopped at Google with the grant before it is revoked.
 */
export async function closeUserChannels(sql: Sql, userId: string, reason: string, now: Date): Promise<ChannelToStop[]> {
  return sql<ChannelToStop[]>`
    update calendar_channels set state = 'stopped', stopped_at = ${now}, stop_reason = ${reason}
    where user_id = ${userId} and state in ('live', 'replaced')
    returning id, resource_id`;
}
