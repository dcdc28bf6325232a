import type { Sql, TransactionSql } from '@nudge/db';

/**
 * The only writer of calendar_channels and calendar_channel_failures: the worker opens, renews
 * and stops push channels and records failed attempts; the api advances a channel's message
 * number on each notification and closes a user's channels on disconnect.
 */

/** A calendar_channels row: a push channel Google agreed to (the token only as its hash). */
export interface CalendarChannelRow {
  id: string;
  user_id: string;
  /** null once the credential is gone (disconnected). */
  credential_id: string | null;
  resource_id: string;
  token_hash: string;
  expires_at: Date;
  state: 'live' | 'replaced' | 'stopped';
  /** bigint; read as text. */
  last_message_number: string | null;
  stopped_at: Date | null;
  stop_reason: string | null;
  created_at: Date;
}

/** A calendar_channel_failures row: when the next attempt to open a channel for the credential is due. */
export interface CalendarChannelFailureRow {
  credential_id: string;
  failed_at: Date;
  attempts: number;
  retry_at: Date;
  reason: string;
}

/** A channel Google agreed to, as stored (the token only as its hash). */
export type NewChannel = Pick<CalendarChannelRow, 'id' | 'user_id' | 'resource_id' | 'token_hash' | 'expires_at'> & {
  credential_id: string;
};

/** false: another replica opened a live channel for the credential first. */
export async function insertLiveChannel(sql: Sql | TransactionSql, channel: NewChannel): Promise<boolean> {
  const rows = await sql`
    insert into calendar_channels ${sql({ ...channel, state: 'live' })}
    on conflict (credential_id) where state = 'live' do nothing
    returning id`;
  return rows.length === 1;
}

/**
 * Renewal's switch-over, in one transaction: the old channel becomes `replaced` (it still
 * delivers until stopped, so nothing is missed) and the new one `live`. false: another replica
 * renewed it first.
 */
export async function replaceChannel(sql: Sql, oldId: string, channel: NewChannel): Promise<boolean> {
  return sql.begin(async (tx) => {
    const replaced =
      await tx`update calendar_channels set state = 'replaced' where id = ${oldId} and state = 'live' returning id`;
    if (replaced.length === 0) return false;
    return insertLiveChannel(tx, channel);
  });
}

export async function markChannelStopped(sql: Sql, id: string, reason: string, now: Date): Promise<void> {
  await sql`
    update calendar_channels set state = 'stopped', stopped_at = ${now}, stop_reason = ${reason}
    where id = ${id} and state <> 'stopped'`;
}

/** What one notification found: its open channel (if any), whether it matched, whether its number was new. */
export interface ChannelMessage {
  credential_id: string;
  /** The token's hash and the resource id are the channel's. */
  matches: boolean;
  /** The message number was above the last one seen and is now the last (false: a replay or Google's retry). */
  advanced: boolean;
}

/**
 * One statement per notification: finds the open channel of a live credential, and when token
 * hash and resource id match, advances its message number (message numbers only grow on a
 * channel). undefined: no such open channel. Comparing SHA-256 digests in SQL leaks nothing a
 * caller could use to forge a token.
 */
export async function acceptChannelMessage(
  sql: Sql,
  message: { channelId: string; tokenHash: string; resourceId: string; messageNumber: string },
  now: Date,
): Promise<ChannelMessage | undefined> {
  const [row] = await sql<ChannelMessage[]>`
    with ch as (
      select ch.id, ch.credential_id,
             ch.token_hash = ${message.tokenHash} and ch.resource_id = ${message.resourceId} as matches
      from calendar_channels ch
      join calendar_credentials c on c.id = ch.credential_id and not c.revoked
      where ch.id = ${message.channelId} and ch.state in ('live', 'replaced') and ch.expires_at > ${now}
    ), advanced as (
      update calendar_channels u set last_message_number = ${message.messageNumber}::bigint
      from ch
      where u.id = ch.id and ch.matches
        and (u.last_message_number is null or u.last_message_number < ${message.messageNumber}::bigint)
      returning u.id
    )
    select ch.credential_id, ch.matches, exists (select 1 from advanced) as advanced from ch`;
  return row;
}

export type ChannelToStop = Pick<CalendarChannelRow, 'id' | 'resource_id'>;

/**
 * Disconnect: the user's open channels are closed here (their notifications are ignored from
 * now on) and returned, to be stopped at Google with the grant before it is revoked.
 */
export async function closeUserChannels(
  sql: Sql | TransactionSql,
  userId: string,
  reason: string,
  now: Date,
): Promise<ChannelToStop[]> {
  return (sql as Sql)<ChannelToStop[]>`
    update calendar_channels set state = 'stopped', stopped_at = ${now}, stop_reason = ${reason}
    where user_id = ${userId} and state in ('live', 'replaced')
    returning id, resource_id`;
}

const FIRST_RETRY_MS = 5 * 60_000;
const LONGEST_RETRY_MS = 6 * 3_600_000;

/** Channel creation failed: retried after 5 minutes, doubling to six hours; the user is polled meanwhile. */
export async function recordChannelFailure(sql: Sql, credentialId: string, reason: string, now: Date): Promise<void> {
  await sql`
    insert into calendar_channel_failures as f (credential_id, failed_at, attempts, retry_at, reason)
    values (${credentialId}, ${now}, 1, ${new Date(now.getTime() + FIRST_RETRY_MS)}, ${reason.slice(0, 500)})
    on conflict (credential_id) do update set
      failed_at = excluded.failed_at, attempts = f.attempts + 1, reason = excluded.reason,
      retry_at = ${now}::timestamptz + least(${LONGEST_RETRY_MS}::bigint, ${FIRST_RETRY_MS}::bigint * power(2, f.attempts)::bigint) * interval '1 millisecond'`;
}

export async function clearChannelFailure(sql: Sql, credentialId: string): Promise<void> {
  await sql`delete from calendar_channel_failures where credential_id = ${credentialId}`;
}
