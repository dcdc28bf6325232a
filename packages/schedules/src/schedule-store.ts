import type { Sql, TransactionSql } from '@nudge/db';
import { parseScheduleTiming, type ScheduleDefinition } from '@nudge/domain';

/**
 * The only writer of job_schedules and job_runs: the schedule manager's SQL and the operator's
 * changes (enable, disable, run now). Every time it writes comes from the injected clock, never
 * from the database's now(), so leases, slots and DST are decided on one timeline.
 */

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'skipped'] as const;
export const RUN_TRIGGERS = ['schedule', 'manual', 'dependency'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A job_schedules row: runtime state only, the definition lives in the code. */
export interface JobScheduleRow {
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
  lock_token: string | null;
  updated_at: Date;
}

/** A job_runs row. */
export interface JobRunRow {
  id: string;
  job_name: string;
  schedule_id: string | null;
  trigger: RunTrigger;
  status: RunStatus;
  scheduled_for: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  worker_id: string | null;
  error: string | null;
  lock_token: string | null;
  created_at: Date;
}

/** What a tick reads of a due or stale schedule; due rows always have a next run. */
export type ScheduleStateRow = Pick<JobScheduleRow, 'id' | 'locked_at' | 'locked_by' | 'lock_token'> & {
  next_run_at: Date;
};

/**
 * Creates the row of a new definition with `enabledByDefault`; an existing row keeps its
 * runtime state (enabled, next run, lease) and only its copy of the timing and policies
 * follows the code. A changed timing moves an enabled schedule's next run onto the new one.
 */
export async function syncDefinition(
  sql: Sql,
  definition: ScheduleDefinition,
  expression: string,
  nextRunAt: Date,
  now: Date,
): Promise<'created' | 'timing_changed' | 'unchanged'> {
  const [row] = await sql<{ created: boolean; timing_changed: boolean }[]>`
    with previous as (select cron, timezone from job_schedules where id = ${definition.name})
    insert into job_schedules as s (id, enabled, cron, timezone, missed_policy, overlap_policy, next_run_at, updated_at)
    values (${definition.name}, ${definition.enabledByDefault}, ${expression}, ${definition.timezone},
            ${definition.missedPolicy}, ${definition.overlapPolicy},
            ${definition.enabledByDefault ? nextRunAt : null}, ${now})
    on conflict (id) do update
      set cron = excluded.cron, timezone = excluded.timezone, missed_policy = excluded.missed_policy,
          overlap_policy = excluded.overlap_policy, updated_at = excluded.updated_at,
          next_run_at = case when s.enabled and (s.cron, s.timezone) is distinct from (excluded.cron, excluded.timezone)
                             then ${nextRunAt}::timestamptz else s.next_run_at end
      where (s.cron, s.timezone, s.missed_policy, s.overlap_policy)
            is distinct from (excluded.cron, excluded.timezone, excluded.missed_policy, excluded.overlap_policy)
    returning (xmax = 0) as created,
              ((select (cron, timezone) from previous) is distinct from (s.cron, s.timezone)) as timing_changed`;
  if (row === undefined) return 'unchanged';
  return row.created ? 'created' : row.timing_changed ? 'timing_changed' : 'unchanged';
}

/** An enabled schedule without a next run would never fire. */
export async function repairMissingNextRun(sql: Sql, id: string, nextRunAt: Date, now: Date): Promise<boolean> {
  const rows = await sql`
    update job_schedules set next_run_at = ${nextRunAt}, updated_at = ${now}
    where id = ${id} and enabled and next_run_at is null
    returning id`;
  return rows.length > 0;
}

export interface TickState {
  /** Enabled schedules whose next run is at or before now, locked or not. */
  due: ScheduleStateRow[];
  /** Leases not renewed since the cutoff (a schedule may have no next run). */
  stale: (Omit<ScheduleStateRow, 'next_run_at'> & { next_run_at: Date | null })[];
  /** The earliest next run after now of an enabled, unleased schedule: when to wake. */
  nextDueAt: Date | undefined;
}

/**
 * What a tick acts on, in two indexed queries that run side by side. Rows are not filtered
 * by this process's definitions here (a 1,000-element parameter on every tick costs more
 * than the filter in memory); the caller skips schedules it does not define.
 */
export async function loadTickState(sql: Sql, now: Date, staleBefore: Date): Promise<TickState> {
  const [rows, [next]] = await Promise.all([
    // A stale lease may sit on a schedule with no next run: next_run_at is null there.
    sql<(Omit<ScheduleStateRow, 'next_run_at'> & { next_run_at: Date | null; stale: boolean })[]>`
      select id, next_run_at, locked_at, locked_by, lock_token, (lock_token is not null and locked_at < ${staleBefore}) as stale
      from job_schedules
      where (enabled and next_run_at <= ${now}) or (lock_token is not null and locked_at < ${staleBefore})
      order by next_run_at`,
    sql<{ next_due_at: Date | null }[]>`
      select min(next_run_at) as next_due_at from job_schedules
      where enabled and lock_token is null and next_run_at > ${now}`,
  ]);
  return {
    due: rows.filter(
      (row): row is typeof row & ScheduleStateRow => !row.stale && row.next_run_at !== null && row.next_run_at <= now,
    ),
    stale: rows.filter((row) => row.stale),
    nextDueAt: next?.next_due_at ?? undefined,
  };
}

/**
 * Row-locks schedules in id order. Every statement that writes several job_schedules rows in
 * one transaction takes its locks through this first (an UPDATE … FROM joins in whatever order
 * its plan picks), so claims, queued-run starts and an operator's bulk change queue behind
 * each other instead of deadlocking.
 */
export async function lockSchedules(
  tx: TransactionSql,
  ids: readonly string[],
): Promise<{ id: string; lock_token: string | null }[]> {
  return tx<Pick<JobScheduleRow, 'id' | 'lock_token'>[]>`
    select id, lock_token from job_schedules where id = any(${ids as string[]}::text[]) order by id for update`;
}

export interface SlotClaim {
  id: string;
  /**
   * The `next_run_at` the claimant read: the compare of the compare-and-swap. JavaScript
   * dates hold milliseconds, so the comparison truncates a value written with microseconds.
   */
  expected: Date;
  nextRunAt: Date;
  /** Present when the claim runs a slot: the lease's fencing token and the slot. */
  run?: { token: string; slot: Date };
}

export interface ClaimedRun {
  scheduleId: string;
  runId: string;
  token: string;
  slot: Date;
}

/**
 * One compare-and-swap for all due schedules: a row moves on only if its `next_run_at` is
 * still what this tick read and nobody holds its lease, so of N replicas exactly one wins
 * each slot. The winner's running job_runs rows are written in the same transaction.
 */
export async function claimSlots(
  sql: Sql,
  unordered: readonly SlotClaim[],
  workerId: string,
  now: Date,
): Promise<{ won: Set<string>; runs: ClaimedRun[] }> {
  if (unordered.length === 0) return { won: new Set(), runs: [] };
  const claims = [...unordered].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sql.begin(async (tx) => {
    await lockSchedules(
      tx,
      claims.map((c) => c.id),
    );
    const won = await tx<Pick<JobScheduleRow, 'id'>[]>`
      update job_schedules s
      set next_run_at = c.next_run_at,
          lock_token = nullif(c.token, '')::uuid,
          locked_at = case when c.token = '' then null else ${now}::timestamptz end,
          locked_by = case when c.token = '' then null else ${workerId} end,
          updated_at = ${now}
      from unnest(${claims.map((c) => c.id)}::text[], ${claims.map((c) => c.expected.toISOString())}::timestamptz[],
                  ${claims.map((c) => c.nextRunAt.toISOString())}::timestamptz[], ${claims.map((c) => c.run?.token ?? '')}::text[])
           as c(id, expected, next_run_at, token)
      where s.id = c.id and date_trunc('milliseconds', s.next_run_at) = c.expected and s.lock_token is null and s.enabled
      returning s.id`;
    const wonIds = new Set(won.map((row) => row.id));
    const toRun = claims.filter((c) => wonIds.has(c.id) && c.run !== undefined);
    const runs: ClaimedRun[] = [];
    if (toRun.length > 0) {
      const inserted = await tx<Pick<JobRunRow, 'id' | 'job_name'>[]>`
        insert into job_runs (job_name, schedule_id, trigger, status, scheduled_for, started_at, worker_id, lock_token)
        select id, id, 'schedule', 'running', slot, ${now}, ${workerId}, token
        from unnest(${toRun.map((c) => c.id)}::text[], ${toRun.map((c) => c.run!.slot.toISOString())}::timestamptz[],
                    ${toRun.map((c) => c.run!.token)}::uuid[]) as c(id, slot, token)
        returning id, job_name`;
      const idByJob = new Map(inserted.map((row) => [row.job_name, row.id]));
      for (const claim of toRun) {
        runs.push({
          scheduleId: claim.id,
          runId: idByJob.get(claim.id) as string,
          token: claim.run!.token,
          slot: claim.run!.slot,
        });
      }
    }
    return { won: wonIds, runs };
  });
}

/** Moves past a slot that came while the previous run still holds the lease (overlap `skip`). */
export async function skipOverlappedSlot(
  sql: Sql,
  row: ScheduleStateRow,
  nextRunAt: Date,
  workerId: string,
  now: Date,
  reason: string,
): Promise<boolean> {
  return sql.begin(async (tx) => {
    const moved = await tx`
      update job_schedules set next_run_at = ${nextRunAt}, updated_at = ${now}
      where id = ${row.id} and date_trunc('milliseconds', next_run_at) = ${row.next_run_at} and lock_token is not null
      returning id`;
    if (moved.length === 0) return false;
    await insertRun(tx, {
      jobName: row.id,
      trigger: 'schedule',
      status: 'skipped',
      scheduledFor: row.next_run_at,
      now,
      workerId,
      error: reason,
    });
    return true;
  });
}

export interface NewRun {
  jobName: string;
  trigger: RunTrigger;
  status: RunStatus;
  scheduledFor: Date | null;
  now: Date;
  workerId?: string;
  token?: string;
  error?: string;
}

export async function insertRun(sql: Sql | TransactionSql, run: NewRun): Promise<string> {
  const running = run.status === 'running';
  const finished = run.status === 'skipped';
  const [row] = await sql<Pick<JobRunRow, 'id'>[]>`
    insert into job_runs (job_name, schedule_id, trigger, status, scheduled_for, started_at, finished_at, worker_id, error, lock_token)
    values (${run.jobName}, ${run.jobName}, ${run.trigger}, ${run.status}, ${run.scheduledFor},
            ${running ? run.now : null}, ${finished ? run.now : null}, ${run.workerId ?? null}, ${run.error ?? null},
            ${run.token ?? null})
    returning id`;
  return (row as Pick<JobRunRow, 'id'>).id;
}

/**
 * Runs `write` only while `token` still holds the schedule's lease. The row lock serialises
 * it with a reclaim, so a zombie's write and a reclaim never both succeed.
 */
export async function whileLeaseHeld<T>(
  sql: Sql,
  scheduleId: string,
  token: string,
  write: (tx: TransactionSql) => Promise<T>,
): Promise<{ held: true; value: T } | { held: false }> {
  return sql.begin(async (tx) => {
    const [held] = await tx`select 1 from job_schedules where id = ${scheduleId} and lock_token = ${token} for update`;
    if (held === undefined) return { held: false as const };
    return { held: true as const, value: await write(tx) };
  });
}

export async function renewLease(sql: Sql, scheduleId: string, token: string, now: Date): Promise<boolean> {
  const rows =
    await sql`update job_schedules set locked_at = ${now} where id = ${scheduleId} and lock_token = ${token} returning id`;
  return rows.length > 0;
}

export async function finishRun(
  tx: TransactionSql,
  runId: string,
  token: string,
  outcome: { status: 'succeeded' | 'failed'; error?: string },
  now: Date,
): Promise<void> {
  await tx`
    update job_runs set status = ${outcome.status}, finished_at = ${now}, error = ${outcome.error ?? null}
    where id = ${runId} and lock_token = ${token} and status = 'running'`;
}

/** History of a zombie: its run stays failed by the reclaim, with the rejected outcome noted. */
export async function noteRejectedCompletion(sql: Sql, runId: string, status: string, now: Date): Promise<void> {
  await sql`
    update job_runs
    set error = concat_ws('; ', error, ${`completion as ${status} rejected at ${now.toISOString()}: the lease had been reclaimed`}::text)
    where id = ${runId}`;
}

export async function releaseLease(
  tx: TransactionSql,
  scheduleId: string,
  lastStatus: string,
  lastRunAt: Date,
  now: Date,
): Promise<void> {
  await tx`
    update job_schedules
    set lock_token = null, locked_at = null, locked_by = null, last_run_at = ${lastRunAt}, last_status = ${lastStatus}, updated_at = ${now}
    where id = ${scheduleId}`;
}

/**
 * Overlap `buffer_one`: at the end of a run, a slot that came during it runs once, now, under
 * a fresh token, and `next_run_at` moves past `now`. Returns the buffered slot, if any.
 */
export async function takeBufferedSlot(
  tx: TransactionSql,
  scheduleId: string,
  token: string,
  nextRunAt: (now: Date) => Date,
  workerId: string,
  previous: { status: string; startedAt: Date },
  now: Date,
): Promise<{ slot: Date; runId: string } | undefined> {
  const [row] = await tx<Pick<ScheduleStateRow, 'next_run_at'>[]>`
    select next_run_at from job_schedules
    where id = ${scheduleId} and enabled and overlap_policy = 'buffer_one' and next_run_at <= ${now}`;
  if (row === undefined) return undefined;
  await tx`
    update job_schedules
    set lock_token = ${token}, locked_at = ${now}, locked_by = ${workerId}, next_run_at = ${nextRunAt(now)},
        last_run_at = ${previous.startedAt}, last_status = ${previous.status}, updated_at = ${now}
    where id = ${scheduleId}`;
  const runId = await insertRun(tx, {
    jobName: scheduleId,
    trigger: 'schedule',
    status: 'running',
    scheduledFor: row.next_run_at,
    now,
    workerId,
    token,
  });
  return { slot: row.next_run_at, runId };
}

/**
 * Frees a lease that was not renewed in time. Its running runs fail with the reason, and the
 * interrupted run is queued again, so the slot still runs, on a live replica.
 */
export async function reclaimLease(
  sql: Sql,
  row: Omit<ScheduleStateRow, 'next_run_at'>,
  workerId: string,
  now: Date,
): Promise<{ failedRunIds: string[]; retryRunId: string | undefined } | undefined> {
  return sql.begin(async (tx) => {
    const freed = await tx`
      update job_schedules set lock_token = null, locked_at = null, locked_by = null, last_status = 'failed', updated_at = ${now}
      where id = ${row.id} and lock_token = ${row.lock_token}
      returning id`;
    if (freed.length === 0) return undefined;
    const reason = `lease expired: ${row.locked_by ?? 'its worker'} stopped renewing it after ${row.locked_at?.toISOString()}; reclaimed by ${workerId}`;
    const failed = await tx<Pick<JobRunRow, 'id' | 'trigger' | 'scheduled_for'>[]>`
      update job_runs set status = 'failed', finished_at = ${now}, error = ${reason}
      where lock_token = ${row.lock_token} and status = 'running'
      returning id, trigger, scheduled_for`;
    const interrupted = failed.find((run) => run.trigger !== 'dependency');
    const retryRunId =
      interrupted === undefined
        ? undefined
        : await insertRun(tx, {
            jobName: row.id,
            trigger: interrupted.trigger,
            status: 'queued',
            scheduledFor: interrupted.scheduled_for,
            now,
            error: `retry of run ${interrupted.id} after its lease expired`,
          });
    return { failedRunIds: failed.map((run) => run.id), retryRunId };
  });
}

export interface QueuedPick {
  runId: string;
  scheduleId: string;
  trigger: RunTrigger;
  slot: Date | null;
  token: string;
}

/**
 * Starts queued runs (run-now from the api, retries of reclaimed runs) whose schedule's lease
 * is free; one still running keeps its queued run waiting. SKIP LOCKED lets replicas share.
 */
export async function pickQueuedRuns(
  sql: Sql,
  ids: readonly string[],
  workerId: string,
  now: Date,
  newToken: () => string,
): Promise<QueuedPick[]> {
  // Most ticks find nothing queued: one indexed probe instead of a transaction.
  const [any] = await sql`select 1 from job_runs where status = 'queued' limit 1`;
  if (any === undefined) return [];
  return sql.begin(async (tx) => {
    const queued = await tx<Pick<JobRunRow, 'id' | 'job_name' | 'trigger' | 'scheduled_for'>[]>`
      select id, job_name, trigger, scheduled_for from job_runs
      where status = 'queued' and job_name = any(${ids as string[]}::text[])
      order by id limit 20
      for update skip locked`;
    if (queued.length === 0) return [];
    const free = new Set(
      (await lockSchedules(tx, [...new Set(queued.map((run) => run.job_name))]))
        .filter((row) => row.lock_token === null)
        .map((row) => row.id),
    );
    const picks: QueuedPick[] = [];
    for (const run of queued) {
      // One run per schedule: the first queued takes the free lease, later ones wait for it.
      if (!free.delete(run.job_name)) continue;
      const token = newToken();
      await tx`
        update job_schedules set lock_token = ${token}, locked_at = ${now}, locked_by = ${workerId}, updated_at = ${now}
        where id = ${run.job_name}`;
      await tx`
        update job_runs set status = 'running', started_at = ${now}, worker_id = ${workerId}, lock_token = ${token}, error = null
        where id = ${run.id}`;
      picks.push({ runId: run.id, scheduleId: run.job_name, trigger: run.trigger, slot: run.scheduled_for, token });
    }
    return picks;
  });
}

/**
 * Operator's switch. Enabling starts from the next slot after `now`: the time a schedule spent
 * disabled is not downtime, so it produces no missed slots. Disabling keeps the row's state as
 * it is. Returns false when there is no such schedule.
 */
export async function setScheduleEnabled(sql: Sql, id: string, enabled: boolean, now: Date): Promise<boolean> {
  const [current] = await sql<Pick<JobScheduleRow, 'enabled' | 'cron' | 'timezone'>[]>`
    select enabled, cron, timezone from job_schedules where id = ${id}`;
  if (current === undefined) return false;
  if (enabled && !current.enabled) {
    const next = parseScheduleTiming(current.cron, current.timezone).nextAfter(now);
    await sql`update job_schedules set enabled = true, next_run_at = ${next}, updated_at = ${now} where id = ${id} and not enabled`;
  } else if (!enabled && current.enabled) {
    await sql`update job_schedules set enabled = false, updated_at = ${now} where id = ${id}`;
  }
  return true;
}

/** The columns of a job run an operator sees. */
export type JobRunView = Omit<JobRunRow, 'lock_token'>;

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
