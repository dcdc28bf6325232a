import type { Sql, TransactionSql } from '@nudge/db';
import { PRIMARY_CALENDAR, type CalendarCredentialRow, type CalendarSyncStateRow } from './credential-store.js';

/**
 * The only writer of calendar_sync_requests: the api queues a targeted sync per notification,
 * the worker claims and completes them.
 */

/** A calendar_sync_requests row: one pending targeted sync of a credential; a burst of notifications coalesces into it. */
export interface CalendarSyncRequestRow {
  credential_id: string;
  /** The oldest notification the next sync answers. */
  first_requested_at: Date;
  requested_at: Date;
  notifications: number;
  claimed_at: Date | null;
  claimed_by: string | null;
}

/** NOTIFY channel the api signals a new targeted sync request on. */
export const SYNC_REQUESTED_CHANNEL = 'nudge_calendar_sync_requested';

/**
 * Queues one targeted sync for the credential — one row per credential, so a burst coalesces.
 * True when the row is new: the caller then wakes the workers (`wakeSyncWorkers`). The NOTIFY
 * is not sent here: every transaction that notifies takes one database-wide lock at commit, so
 * a burst of notifications each notifying would commit one at a time.
 */
export async function queueSyncRequest(sql: Sql | TransactionSql, credentialId: string, now: Date): Promise<boolean> {
  const [row] = await sql<{ inserted: boolean }[]>`
    insert into calendar_sync_requests as r (credential_id, first_requested_at, requested_at)
    values (${credentialId}, ${now}, ${now})
    on conflict (credential_id) do update set requested_at = excluded.requested_at, notifications = r.notifications + 1
    returning (xmax = 0) as inserted`;
  return row!.inserted;
}

/** Wakes the workers' targeted syncs (inside a transaction: at its commit). */
export async function wakeSyncWorkers(sql: Sql | TransactionSql): Promise<void> {
  await sql`select pg_notify(${SYNC_REQUESTED_CHANNEL}, '')`;
}

/** A credential a sync works from, with its calendar's sync state. */
export type LiveCredential = Pick<
  CalendarCredentialRow,
  'id' | 'user_id' | 'refresh_token_enc' | 'access_token_enc' | 'expires_at'
> &
  Pick<CalendarSyncStateRow, 'sync_token' | 'last_full_sync_at'>;

/** A claimed request: its credential, and what the sync of it needs to know. */
export interface ClaimedSyncRequest extends Pick<CalendarSyncRequestRow, 'first_requested_at' | 'notifications'> {
  credential: LiveCredential;
  /** No live channel and no failed attempt backing off (a new connection): the worker opens one after the sync. */
  needsChannel: boolean;
}

type ClaimedSyncRequestRow = LiveCredential &
  Pick<CalendarCredentialRow, 'revoked'> &
  Pick<CalendarSyncRequestRow, 'first_requested_at' | 'notifications'> & { needs_channel: boolean };

/**
 * Claims up to `limit` pending targeted syncs (oldest notification first; SKIP LOCKED, so
 * replicas share them). A claim older than `staleBefore` belonged to a worker that died or
 * whose sync failed: it is taken again. Requests of revoked credentials are dropped (and not
 * returned).
 */
export async function claimSyncRequests(
  sql: Sql,
  instanceId: string,
  now: Date,
  staleBefore: Date,
  limit: number,
): Promise<ClaimedSyncRequest[]> {
  const rows = await sql<ClaimedSyncRequestRow[]>`
    with claimed as (
      update calendar_sync_requests r set claimed_at = ${now}, claimed_by = ${instanceId}
      where r.credential_id in (
        select credential_id from calendar_sync_requests
        where claimed_at is null or claimed_at < ${staleBefore}
        order by first_requested_at
        limit ${limit}
        for update skip locked)
      returning r.credential_id, r.first_requested_at, r.notifications
    )
    select c.id, c.user_id, c.refresh_token_enc, c.access_token_enc, c.expires_at, s.sync_token, s.last_full_sync_at,
           c.revoked, cl.first_requested_at, cl.notifications,
           (not exists (select 1 from calendar_channels ch where ch.credential_id = c.id and ch.state = 'live')
            and not exists (select 1 from calendar_channel_failures f where f.credential_id = c.id and f.retry_at > ${now}))
             as needs_channel
    from claimed cl
    join calendar_credentials c on c.id = cl.credential_id
    left join calendar_sync_state s on s.credential_id = c.id and s.calendar_id = ${PRIMARY_CALENDAR}`;
  const dead = rows.filter((row) => row.revoked).map((row) => row.id);
  if (dead.length > 0) await sql`delete from calendar_sync_requests where credential_id = any(${dead}::uuid[])`;
  return rows
    .filter((row) => !row.revoked)
    .map(({ revoked: _revoked, first_requested_at, notifications, needs_channel, ...credential }) => ({
      credential,
      first_requested_at,
      notifications,
      needsChannel: needs_channel,
    }));
}

/**
 * The syncs are done (one statement for any number). Each request goes unless a notification
 * came while its sync ran (its count grew past `notifications`, the count when claimed): then
 * it stays, released, for one more sync. Returns the credentials whose request stays.
 */
export async function completeSyncRequests(
  sql: Sql | TransactionSql,
  done: readonly Pick<ClaimedSyncRequest, 'credential' | 'notifications'>[],
): Promise<Set<string>> {
  if (done.length === 0) return new Set();
  const ids = done.map((request) => request.credential.id);
  const rows = await sql<{ credential_id: string }[]>`
    with finished as (
      delete from calendar_sync_requests r
      using unnest(${ids}::uuid[], ${done.map((request) => request.notifications)}::int[]) as d(credential_id, notifications)
      where r.credential_id = d.credential_id and r.notifications = d.notifications
      returning r.credential_id
    )
    update calendar_sync_requests
    set claimed_at = null, claimed_by = null, first_requested_at = requested_at
    where credential_id = any(${ids}::uuid[]) and credential_id not in (select credential_id from finished)
    returning credential_id`;
  return new Set(rows.map((row) => row.credential_id));
}
