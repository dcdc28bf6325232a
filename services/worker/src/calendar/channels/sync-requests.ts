import type { Sql } from '@nudge/db';
import { PRIMARY_CALENDAR } from '@nudge/calendar';
import type { LiveCredential } from '../live-credentials.js';

/** NOTIFY channel the api signals a new targeted sync request on. */
export const SYNC_REQUESTED_CHANNEL = 'nudge_calendar_sync_requested';

export interface ClaimedRequest {
  credential: LiveCredential;
  first_requested_at: Date;
  /** How many notifications the row had when claimed: more at completion means one came during the sync. */
  notifications: number;
}

/**
 * Claims up to `limit` pending targeted syncs (oldest notification first; SKIP LOCKED, so
 * replicas share them). A claim older than `staleBefore` belonged to a worker that died or
 * whose sync failed: it is taken again. Requests of credentials no longer live are dropped.
 */
export async function claimSyncRequests(sql: Sql, instanceId: string, now: Date, staleBefore: Date, limit: number): Promise<ClaimedRequest[]> {
  const rows = await sql<(LiveCredential & { first_requested_at: Date; notifications: number; revoked: boolean })[]>`
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
           c.revoked, cl.first_requested_at, cl.notifications
    from claimed cl
    join calendar_credentials c on c.id = cl.credential_id
    left join calendar_sync_state s on s.credential_id = c.id and s.calendar_id = ${PRIMARY_CALENDAR}`;
  const dead = rows.filter((row) => row.revoked).map((row) => row.id);
  if (dead.length > 0) await sql`delete from calendar_sync_requests where credential_id = any(${dead}::uuid[])`;
  return rows
    .filter((row) => !row.revoked)
    .map(({ first_requested_at, notifications, revoked: _revoked, ...credential }) => ({ credential, first_requested_at, notifications }));
}

/**
 * The sync is done. The request goes unless a notification came while it ran (its
 * count grew): then it stays, released, for one more sync.
 */
export async function completeSyncRequest(sql: Sql, request: ClaimedRequest): Promise<'done' | 'again'> {
  const deleted = await sql`delete from calendar_sync_requests where credential_id = ${request.credential.id} and notifications = ${request.notifications} returning 1`;
  if (deleted.length === 1) return 'done';
  await sql`update calendar_sync_requests set claimed_at = null, claimed_by = null, first_requested_at = requested_at where credential_id = ${request.credential.id}`;
  return 'again';
}

export async function queuedSyncRequests(sql: Sql): Promise<number> {
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from calendar_sync_requests`;
  return row?.count ?? 0;
}
