import type { Sql, TransactionSql } from '@nudge/db';

/** A sync_runs row: one per user per sync, written only here. */
export interface SyncRunRow {
  id: string;
  user_id: string;
  started_at: Date;
  finished_at: Date | null;
  from_date: Date;
  run_to_completion: boolean;
  created_count: number;
  updated_count: number;
  cancelled_count: number;
  skipped_count: number;
  pages: number;
  error: string | null;
}

/** What one user's sync did so far; filled in as pages are applied, so a failed run still reports its part. */
export interface SyncProgress {
  full: boolean;
  pages: number;
  created: number;
  updated: number;
  cancelled: number;
  skipped: number;
  changedIds: string[];
  /** The event ids a full listing returned: the meetings of the window not among them were deleted. */
  listedIds: Set<string>;
  /** The listing's nextSyncToken, once its last page is in. */
  syncToken: string | undefined;
}

export function emptyProgress(): SyncProgress {
  return {
    full: false,
    pages: 0,
    created: 0,
    updated: 0,
    cancelled: 0,
    skipped: 0,
    changedIds: [],
    listedIds: new Set(),
    syncToken: undefined,
  };
}

export interface SyncRun {
  userId: string;
  startedAt: Date;
  finishedAt: Date;
  fromDate: Date;
  progress: SyncProgress;
  /** null: the run went to completion. */
  error: string | null;
}

/**
 * One sync_runs row per user per sync, written when the run ends — inside the transaction that
 * completes a successful run — so a run costs no extra commit.
 */
export async function recordSyncRun(sql: Sql | TransactionSql, run: SyncRun): Promise<void> {
  const { progress } = run;
  await sql`
    insert into sync_runs (user_id, started_at, finished_at, from_date, run_to_completion, created_count, updated_count,
                           cancelled_count, skipped_count, pages, error)
    values (${run.userId}, ${run.startedAt}, ${run.finishedAt}, ${run.fromDate}, ${run.error === null}, ${progress.created},
            ${progress.updated}, ${progress.cancelled}, ${progress.skipped}, ${progress.pages}, ${run.error})`;
}
