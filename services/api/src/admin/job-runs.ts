import type { Sql } from '@nudge/db';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'skipped'] as const;
export const RUN_TRIGGERS = ['schedule', 'manual', 'dependency'] as const;

export interface JobRunView {
  id: string;
  job_name: string;
  schedule_id: string | null;
  trigger: string;
  status: string;
  scheduled_for: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  worker_id: string | null;
  error: string | null;
  created_at: Date;
}

export interface JobRunFilter {
  job?: string;
  status?: (typeof RUN_STATUSES)[number];
  trigger?: (typeof RUN_TRIGGERS)[number];
  limit: number;
}

/** Newest first. */
export async function listJobRuns(sql: Sql, filter: JobRunFilter): Promise<JobRunView[]> {
  return sql<JobRunView[]>`
    select id, job_name, schedule_id, trigger, status, scheduled_for, started_at, finished_at, worker_id, error, created_at
    from job_runs
    where (${filter.job ?? null}::text is null or job_name = ${filter.job ?? null})
      and (${filter.status ?? null}::text is null or status = ${filter.status ?? null})
      and (${filter.trigger ?? null}::text is null or trigger = ${filter.trigger ?? null})
    order by id desc
    limit ${filter.limit}`;
}

/**
 * Run-now: the api never runs a job itself. It queues a manual run, which a worker's
 * scheduler starts on its next tick, even when the schedule is disabled.
 */
export async function enqueueManualRun(sql: Sql, scheduleId: string, now: Date): Promise<JobRunView> {
  const [run] = await sql<JobRunView[]>`
    insert into job_runs (job_name, schedule_id, trigger, status, scheduled_for, created_at)
    values (${scheduleId}, ${scheduleId}, 'manual', 'queued', ${now}, ${now})
    returning id, job_name, schedule_id, trigger, status, scheduled_for, started_at, finished_at, worker_id, error, created_at`;
  return run as JobRunView;
}
