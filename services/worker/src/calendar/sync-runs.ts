import type { Sql } from '@nudge/db';

/** What one user's sync did so far; filled in as pages are applied, so a failed run still reports its part. */
export interface SyncProgress {
  full: boolean;
  pages: number;
  created: number;
  updated: number;
  cancelled: number;
  skipped: number;
  changedIds: string[];
  completed: boolean;
}

export function emptyProgress(): SyncProgress {
  return { full: false, pages: 0, created: 0, updated: 0, cancelled: 0, skipped: 0, changedIds: [], completed: false };
}

/** The sync_runs row is written when the sync starts, so a crash mid-run still leaves a trace. */
export async function startSyncRun(sql: Sql, userId: string, startedAt: Date, fromDate: Date): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into sync_runs (user_id, started_at, from_date) values (${userId}, ${startedAt}, ${fromDate}) returning id`;
  return row!.id;
}

export async function finishSyncRun(sql: Sql, runId: string, progress: SyncProgress, error: string | null, finishedAt: Date): Promise<void> {
  await sql`
    update sync_runs set
      finished_at = ${finishedAt}, run_to_completion = ${progress.completed && error === null},
      created_count = ${progress.created}, updated_count = ${progress.updated}, cancelled_count = ${progress.cancelled},
      skipped_count = ${progress.skipped}, pages = ${progress.pages}, error = ${error}
    where id = ${runId}`;
}
