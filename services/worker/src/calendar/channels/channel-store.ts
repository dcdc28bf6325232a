import type { Sql, TransactionSql } from '@nudge/db';
import type { LiveCredential } from '../live-credentials.js';
import { PRIMARY_CALENDAR } from '@nudge/calendar';

/** A channel Google agreed to, as stored (the token only as its hash). */
export interface NewChannel {
  id: string;
  user_id: string;
  credential_id: string;
  resource_id: string;
  token_hash: string;
  expires_at: Date;
}

export interface OpenChannel {
  id: string;
  user_id: string;
  resource_id: string;
  expires_at: Date;
  state: 'live' | 'replaced';
  /** null when the credential is gone (disconnected). */
  credential: LiveCredential | null;
  credential_revoked: boolean | null;
}

const CREDENTIAL_COLUMNS = `c.id, c.user_id, c.refresh_token_enc, c.access_token_enc, c.expires_at, s.sync_token, s.last_full_sync_at`;

/** Live credentials with no live channel, whose last failed attempt (if any) is due for a retry. */
export async function credentialsWithoutChannel(sql: Sql, now: Date, limit: number): Promise<LiveCredential[]> {
  return sql<LiveCredential[]>`
    select ${sql.unsafe(CREDENTIAL_COLUMNS)}
    from calendar_credentials c
    left join calendar_sync_state s on s.credential_id = c.id and s.calendar_id = ${PRIMARY_CALENDAR}
    where c.provider = 'google' and not c.revoked
      and not exists (select 1 from calendar_channels ch where ch.credential_id = c.id and ch.state = 'live')
      and not exists (select 1 from calendar_channel_failures f where f.credential_id = c.id and f.retry_at > ${now})
    order by c.created_at, c.id
    limit ${limit}`;
}

/** Live channels that expire within `renewWithinMs`, with their (live) credential. */
export async function channelsToRenew(sql: Sql, now: Date, renewWithinMs: number, limit: number): Promise<(OpenChannel & { credential: LiveCredential })[]> {
  const rows = await openChannels(sql, sql`ch.state = 'live' and ch.expires_at > ${now} and ch.expires_at <= ${new Date(now.getTime() + renewWithinMs)} and not c.revoked`, limit);
  return rows.filter((row): row is OpenChannel & { credential: LiveCredential } => row.credential !== null);
}

/** Channels to end: replaced ones not yet stopped, expired ones, and those whose credential is revoked or gone. */
export async function channelsToClose(sql: Sql, now: Date, limit: number): Promise<OpenChannel[]> {
  return openChannels(sql, sql`(ch.state = 'replaced' or ch.expires_at <= ${now} or c.id is null or c.revoked)`, limit);
}

async function openChannels(sql: Sql, condition: ReturnType<Sql>, limit: number): Promise<OpenChannel[]> {
  const rows = await sql<(Omit<OpenChannel, 'credential'> & { credential_id: string | null; refresh_token_enc: string | null; access_token_enc: string | null; token_expires_at: Date | null })[]>`
    select ch.id, ch.user_id, ch.resource_id, ch.expires_at, ch.state, c.id as credential_id, c.revoked as credential_revoked,
           c.refresh_token_enc, c.access_token_enc, c.expires_at as token_expires_at
    from calendar_channels ch
    left join calendar_credentials c on c.id = ch.credential_id
    where ch.state in ('live', 'replaced') and ${condition}
    order by ch.expires_at
    limit ${limit}`;
  return rows.map((row) => ({
    id: row.id,
    user_id: row.user_id,
    resource_id: row.resource_id,
    expires_at: row.expires_at,
    state: row.state,
    credential_revoked: row.credential_revoked,
    credential:
      row.credential_id === null || row.refresh_token_enc === null
        ? null
        : { id: row.credential_id, user_id: row.user_id, refresh_token_enc: row.refresh_token_enc, access_token_enc: row.access_token_enc, expires_at: row.token_expires_at, sync_token: null, last_full_sync_at: null },
  }));
}

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
    const replaced = await tx`update calendar_channels set state = 'replaced' where id = ${oldId} and state = 'live' returning id`;
    if (replaced.length === 0) return false;
    return insertLiveChannel(tx, channel);
  });
}

export async function markChannelStopped(sql: Sql, id: string, reason: string, now: Date): Promise<void> {
  await sql`
    update calendar_channels set state = 'stopped', stopped_at = ${now}, stop_reason = ${reason}
    where id = ${id} and state <> 'stopped'`;
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

/** `nudge_calendar_channels{state}` reads this. */
export async function channelCountsByState(sql: Sql, now: Date): Promise<Record<string, number>> {
  const rows = await sql<{ state: string; count: number }[]>`
    select case when state = 'live' and expires_at <= ${now} then 'expired' else state end as state, count(*)::int as count
    from calendar_channels group by 1`;
  return Object.fromEntries(rows.map((row) => [row.state, row.count]));
}
