import type { Sql } from '@nudge/db';
import { SCHEDULE_DEFINITIONS, type ScheduleDefinition } from '@nudge/domain';
import { setScheduleEnabled as writeScheduleEnabled, type JobScheduleRow } from '@nudge/schedules';

const DEFINITIONS = new Map<string, ScheduleDefinition>(SCHEDULE_DEFINITIONS.map((d) => [d.name, d]));

type ScheduleRow = Omit<JobScheduleRow, 'lock_token'> & { running: boolean };

export interface ScheduleView extends Omit<ScheduleRow, 'running'> {
  state: 'disabled' | 'idle' | 'running';
  /** False for a row whose definition is no longer in the code (no worker runs it). */
  defined: boolean;
  description: string | null;
  depends_on: string[];
}

function view(row: ScheduleRow): ScheduleView {
  const { running, ...rest } = row;
  const definition = DEFINITIONS.get(row.id);
  return {
    ...rest,
    state: running ? 'running' : row.enabled ? 'idle' : 'disabled',
    defined: definition !== undefined,
    description: definition?.description ?? null,
    depends_on: [...(definition?.dependsOn ?? [])],
  };
}

export async function listSchedules(sql: Sql): Promise<ScheduleView[]> {
  const rows = await sql<ScheduleRow[]>`
    select id, enabled, cron, timezone, missed_policy, overlap_policy, next_run_at, last_run_at, last_status,
           locked_at, locked_by, lock_token is not null as running, updated_at
    from job_schedules order by id`;
  return rows.map(view);
}

export async function findSchedule(sql: Sql, id: string): Promise<ScheduleView | undefined> {
  const [row] = await sql<ScheduleRow[]>`
    select id, enabled, cron, timezone, missed_policy, overlap_policy, next_run_at, last_run_at, last_status,
           locked_at, locked_by, lock_token is not null as running, updated_at
    from job_schedules where id = ${id}`;
  return row === undefined ? undefined : view(row);
}

/** Enables or disables through the owner of job_schedules; returns the schedule as it is then. */
export async function setScheduleEnabled(
  sql: Sql,
  id: string,
  enabled: boolean,
  now: Date,
): Promise<ScheduleView | undefined> {
  if (!(await writeScheduleEnabled(sql, id, enabled, now))) return undefined;
  return findSchedule(sql, id);
}
