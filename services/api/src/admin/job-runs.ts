import type { Sql } from '@nudge/db';
import type { JobRunView, RunStatus, RunTrigger } from '@nudge/schedules';

export interface JobRunFilter {
  job?: string;
  status?: RunStatus;
  trigger?: RunTrigger;
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
