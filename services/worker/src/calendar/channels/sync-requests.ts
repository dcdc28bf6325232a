import type { Sql, TransactionSql } from '@nudge/db';
import {
  claimSyncRequests as claimRows,
  completeSyncRequests as completeRows,
  type CalendarSyncRequestRow,
} from '@nudge/calendar';
import type { LiveCredential } from '../live-credentials.js';

export { SYNC_REQUESTED_CHANNEL } from '@nudge/calendar';

export interface ClaimedRequest extends Pick<CalendarSyncRequestRow, 'first_requested_at' | 'notifications'> {
  credential: LiveCredential;
  /** No live channel and none backing off after a failure (a new connection): open one after the sync. */
  needsChannel: boolean;
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
  return rows.map(({ first_requested_at, notifications, needs_channel, ...credential }) => ({
    credential,
    first_requested_at,
    notifications,
    needsChannel: needs_channel,
  }));
}

/** The syncs are done: their requests go, except those a notification renewed meanwhile (returned by credential id). */
export async function completeSyncRequests(
  sql: Sql | TransactionSql,
  requests: readonly ClaimedRequest[],
): Promise<Set<string>> {
  return completeRows(
    sql,
    requests.map((request) => ({ credentialId: request.credential.id, notifications: request.notifications })),
  );
}

export async function queuedSyncRequests(sql: Sql): Promise<number> {
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from calendar_sync_requests`;
  return row?.count ?? 0;
}
