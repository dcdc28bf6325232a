import type { Sql } from '@nudge/db';
import {
  claimSyncRequests as claimRows,
  completeSyncRequest as completeRow,
  type CalendarSyncRequestRow,
} from '@nudge/calendar';
import type { LiveCredential } from '../live-credentials.js';

export { SYNC_REQUESTED_CHANNEL } from '@nudge/calendar';

export interface ClaimedRequest extends Pick<CalendarSyncRequestRow, 'first_requested_at' | 'notifications'> {
  credential: LiveCredential;
}

/**
 * Claims up to `limit` pending targeted syncs (oldest notification first; SKIP LOCKED, so
 * replicas share them). A claim older than `staleBefore` belonged to a worker that died or
 * whose sync failed: it is taken again. Requests of credentials no longer live are dropped.
 */
export async function claimSyncRequests(
  sql: Sql,
  instanceId: string,
  now: Date,
  staleBefore: Date,
  limit: number,
): Promise<ClaimedRequest[]> {
  const rows = await claimRows(sql, instanceId, now, staleBefore, limit);
  return rows.map(({ first_requested_at, notifications, ...credential }) => ({
    credential,
    first_requested_at,
    notifications,
  }));
}

/**
 * The sync is done. The request goes unless a notification came while it ran (its
 * count grew): then it stays, released, for one more sync.
 */
export async function completeSyncRequest(sql: Sql, request: ClaimedRequest): Promise<'done' | 'again'> {
  return completeRow(sql, request.credential.id, request.notifications);
}

export async function queuedSyncRequests(sql: Sql): Promise<number> {
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from calendar_sync_requests`;
  return row?.count ?? 0;
}
