import { setTimeout as sleep } from 'node:timers/promises';
import { createDbClient, type Sql } from '@nudge/db';
import { defineSchedule, type ScheduleDefinition } from '@nudge/domain';
import { createLogger } from '@nudge/logger';
import { createTestDatabase, ManualClock, prepareTemplateDatabase } from '@nudge/testkit';
import { ScheduleManager } from '@nudge/worker';
import { everySecondFixtureName, startScheduleReplicas, stopScheduleReplicas } from '@nudge/worker/testing';

export const name = 'schedules';

const LATENESS_SECONDS = 10;
const LATENESS_SCHEDULES = 20;
const CLAIM_SCHEDULES = 1_000;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(1)}x`;

/** The floor any scheduler sits on: how late a bare timer aimed at each whole second wakes. */
async function bareTimerLateness(seconds: number): Promise<number[]> {
  const lateness: number[] = [];
  for (let i = 0; i < seconds; i += 1) {
    const target = Math.ceil((Date.now() + 1) / 1000) * 1000;
    await sleep(target - Date.now());
    lateness.push(Date.now() - target);
  }
  return lateness;
}

/** Slot → handler start, as the fixture handlers report it, with three real replicas. */
async function lateness(): Promise<void> {
  const db = await createTestDatabase();
  const replicas = await startScheduleReplicas(db.url, 3);
  try {
    const names = Array.from({ length: LATENESS_SCHEDULES }, (_, i) => everySecondFixtureName(i + 1));
    // Bulk changes lock their rows in id order, as the scheduler's claims do, so they queue behind a claim, never deadlock with it.
    await db.sql`
      update job_schedules s set enabled = true, next_run_at = date_trunc('second', now()) + interval '1 second'
      from (select id from job_schedules where id = any(${names}::text[]) order by id for update) locked
      where s.id = locked.id`;
    const baseline = await bareTimerLateness(LATENESS_SECONDS);
    await db.sql`
      update job_schedules s set enabled = false
      from (select id from job_schedules where id = any(${names}::text[]) order by id for update) locked
      where s.id = locked.id`;
    await sleep(300);
    const [counts] = await db.sql<{ runs: number; slots: number; duplicates: number }[]>`
      select count(*)::int as runs, count(distinct (job_name, scheduled_for))::int as slots,
             (count(*) - count(distinct (job_name, scheduled_for)))::int as duplicates
      from job_runs where job_name = any(${names}::text[]) and status = 'succeeded'`;
    const missed = replicas.flatMap((r) => r.process.events('schedule.missed')).length;
    const late = replicas
      .flatMap((r) => r.process.events('schedule.run.completed'))
      .map((line) => line.lateness_ms)
      .filter((value): value is number => typeof value === 'number');
    const p50 = percentile(late, 50);
    const p99 = percentile(late, 99);
    const base99 = percentile(baseline, 99);
    console.log(
      `lateness, slot → handler start: 3 replicas, ${LATENESS_SCHEDULES} every-second schedules, ${LATENESS_SECONDS} s (${late.length} runs)`,
    );
    console.log(
      `  job_runs: ${counts?.runs} succeeded for ${counts?.slots} slots, ${counts?.duplicates} duplicates, ${missed} schedule.missed lines`,
    );
    console.log(
      `  p50 ${ms(p50)}  p99 ${ms(p99)}  max ${ms(Math.max(...late))}  target p99 ≤ 100 ms: ${p99 <= 100 ? 'met' : 'MISSED'}`,
    );
    console.log(
      `  baseline (bare timer at each second, same run): p50 ${ms(percentile(baseline, 50))}  p99 ${ms(base99)}  → p99 ratio ${ratio(p99, Math.max(base99, 0.5))}`,
    );
  } finally {
    await stopScheduleReplicas(replicas);
    await db.drop();
  }
}

function definitions(count: number): ScheduleDefinition[] {
  return Array.from({ length: count }, (_, i) =>
    defineSchedule({
      name: `bench-${String(i).padStart(4, '0')}`,
      timing: { everyMs: 1_000 },
      enabledByDefault: true,
      timeoutMs: 10_000,
    }),
  );
}

async function timed(samples: number, fn: () => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const started = performance.now();
    await fn();
    durations.push(performance.now() - started);
  }
  return durations;
}

/** Tick cost with 1,000 schedules: every tick (none due) and a tick that claims all of them. */
async function claimOverhead(): Promise<void> {
  const db = await createTestDatabase();
  const sql: Sql = createDbClient({
    url: db.url,
    max: 10,
    connectTimeoutSeconds: 5,
    statementTimeoutMs: 30_000,
    applicationName: 'nudge-bench',
  });
  const clock = new ManualClock('2026-01-10T10:00:00.500Z');
  const manager = new ScheduleManager({
    sql,
    logger: createLogger({ service: 'bench', instance: 'bench', level: 'silent' }),
    clock,
    instanceId: 'bench',
    jobs: definitions(CLAIM_SCHEDULES).map((definition) => ({ definition, handler: async () => undefined })),
    leaseTimeoutMs: 600_000,
    tickIntervalMs: 1_000,
  });
  try {
    await manager.syncDefinitions();
    const baseline = await timed(50, () => sql`select 1`);
    const allDue: number[] = [];
    const idle: number[] = [];
    for (let second = 1; second <= 10; second += 1) {
      clock.set(new Date(Date.parse('2026-01-10T10:00:00Z') + second * 1_000 + 5));
      allDue.push(...(await timed(1, () => manager.tick())));
      await manager.drain();
      clock.advance(400);
      idle.push(...(await timed(5, () => manager.tick())));
    }
    const [{ runs } = { runs: 0 }] = await sql<
      { runs: number }[]
    >`select count(*)::int as runs from job_runs where status = 'succeeded'`;
    const base50 = percentile(baseline, 50);
    console.log(`claim overhead per tick, ${CLAIM_SCHEDULES} schedules (${runs} runs claimed and run)`);
    console.log(
      `  tick with none due: p50 ${ms(percentile(idle, 50))}  p99 ${ms(percentile(idle, 99))}  → ratio ${ratio(percentile(idle, 50), base50)}`,
    );
    console.log(
      `  tick claiming all ${CLAIM_SCHEDULES}: p50 ${ms(percentile(allDue, 50))}  max ${ms(Math.max(...allDue))}  (${(percentile(allDue, 50) / CLAIM_SCHEDULES).toFixed(3)} ms per claim)  → ratio ${ratio(percentile(allDue, 50), base50)}`,
    );
    console.log(
      `  target < 20 ms per tick: ${percentile(idle, 99) < 20 ? 'met' : 'MISSED'} (none due), ${percentile(allDue, 50) < 20 ? 'met' : 'MISSED'} (all due)`,
    );
    console.log(`  baseline (select 1 round trip, same run): p50 ${ms(base50)}`);
  } finally {
    await manager.stop();
    await sql.end({ timeout: 5 });
    await db.drop();
  }
}

export async function run(): Promise<void> {
  await prepareTemplateDatabase();
  await lateness();
  await claimOverhead();
}
