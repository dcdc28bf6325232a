import type { Sql } from '@nudge/db';
import { parseScheduleTiming, SCHEDULE_DEFINITIONS, type ScheduleDefinition } from '@nudge/domain';

const DEFINITIONS = new Map<string, ScheduleDefinition>(SCHEDULE_DEFINITIONS.map((d) => [d.name, d]));

interface ScheduleRow {
  id: string;
  enabled: boolean;
  cron: string;
  timezone: string;
  missed_policy: string;
  overlap_policy: string;
  next_run_at: Date | null;
  last_run_at: Date | null;
  last_status: string | null;
  locked_at: Date | null;
  locked_by: string | null;
  running: boolean;
  updated_at: Date;
}

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

/**
 * Enabling starts from the next slot after `now`: the time a schedule spent disabled is
 * not downtime, so it produces no missed slots. Disabling keeps the row's state as it is.
 */
export async function setScheduleEnabled(sql: Sql, id: string, enabled: boolean, now: Date): Promise<ScheduleView | undefined> {
  const current = await findSchedule(sql, id);
  if (current === undefined) return undefined;
  if (enabled && !current.enabled) {
    const next = parseScheduleTiming(current.cron, current.timezone).nextAfter(now);
    await sql`update job_schedules set enabled = true, next_run_at = ${next}, updated_at = ${now} where id = ${id} and not enabled`;
  } else if (!enabled && current.enabled) {
    await sql`update job_schedules set enabled = false, updated_at = ${now} where id = ${id}`;
  }
  return findSchedule(sql, id);
}
