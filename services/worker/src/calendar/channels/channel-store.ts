import type { Sql } from '@nudge/db';
import type { LiveCredential } from '../live-credentials.js';
import { PRIMARY_CALENDAR, type CalendarChannelRow, type CalendarCredentialRow } from '@nudge/calendar';

/** The worker's reads of calendar_channels; its writes are @nudge/calendar's channel store. */

export interface OpenChannel extends Pick<CalendarChannelRow, 'id' | 'user_id' | 'resource_id' | 'expires_at'> {
  state: 'live' | 'replaced';
  /** null when the credential is gone (disconnected). */
  credential: LiveCredential | null;
  credential_revoked: CalendarCredentialRow['revoked'] | null;
}

const CREDENTIAL_COLUMNS = `c.id, c.user_id, c.refresh_token_enc, c.access_token_enc, c.expires_at, s.sync_token, s.last_full_sync_at`;

/** Live credentials with no live channel, whose last failed attempt (if any) is due for a retry. */
export async function credentialsWithoutChannel(sql: Sql, now: Date, limit: number): Promise<LiveCredential[]> {
  return sql<LiveCredential[]>`
    select ${sql.unsafe(CREDENTIAL_COLUMNS)}
    from calendar_credentials c
    left join calendar_sync_state s on s.credential_id = c.id and s.calendar_id = ${PRIMARY_CALENDAR}
    where c.provider = 'google' and not c.revoked
      -- A deactivated user is neither synced nor watched (deactivation closed their channels).
      and not exists (select 1 from users u where u.id = c.user_id and u.deactivated_at is not null)
      and not exists (select 1 from calendar_channels ch where ch.credential_id = c.id and ch.state = 'live')
      and not exists (select 1 from calendar_channel_failures f where f.credential_id = c.id and f.retry_at > ${now})
    order by c.created_at, c.id
    limit ${limit}`;
}

/** Live channels that expire within `renewWithinMs`, with their (live) credential. */
export async function channelsToRenew(
  sql: Sql,
  now: Date,
  renewWithinMs: number,
  limit: number,
): Promise<(OpenChannel & { credential: LiveCredential })[]> {
  const rows = await openChannels(
    sql,
    sql`ch.state = 'live' and ch.expires_at > ${now} and ch.expires_at <= ${new Date(now.getTime() + renewWithinMs)} and not c.revoked`,
    limit,
  );
  return rows.filter((row): row is OpenChannel & { credential: LiveCredential } => row.credential !== null);
}

/** Channels to end: replaced ones not yet stopped, expired ones, and those whose credential is revoked or gone. */
export async function channelsToClose(sql: Sql, now: Date, limit: number): Promise<OpenChannel[]> {
  return openChannels(sql, sql`(ch.state = 'replaced' or ch.expires_at <= ${now} or c.id is null or c.revoked)`, limit);
}

async function openChannels(sql: Sql, condition: ReturnType<Sql>, limit: number): Promise<OpenChannel[]> {
  const rows = await sql<
    (Omit<OpenChannel, 'credential'> & {
      credential_id: string | null;
      refresh_token_enc: string | null;
      access_token_enc: string | null;
      token_expires_at: Date | null;
    })[]
  >`
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
        : {
            id: row.credential_id,
            user_id: row.user_id,
            refresh_token_enc: row.refresh_token_enc,
            access_token_enc: row.access_token_enc,
            expires_at: row.token_expires_at,
            sync_token: null,
            last_full_sync_at: null,
          },
  }));
}

/** `nudge_calendar_channels{state}` reads this. */
export async function channelCountsByState(sql: Sql, now: Date): Promise<Record<string, number>> {
  const rows = await sql<{ state: string; count: number }[]>`
    select case when state = 'live' and expires_at <= ${now} then 'expired' else state end as state, count(*)::int as count
    from calendar_channels group by 1`;
  return Object.fromEntries(rows.map((row) => [row.state, row.count]));
}
