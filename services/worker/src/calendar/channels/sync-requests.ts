import type { Sql } from '@nudge/db';

export async function queuedSyncRequests(sql: Sql): Promise<number> {
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from calendar_sync_requests`;
  return row?.count ?? 0;
}
