import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineSchedule } from '@nudge/domain';
import { capturingLogger, createTestDatabase, eventually, ManualClock, type TestDatabase } from '@nudge/testkit';
import { ScheduleManager } from './schedule-manager.js';
import type { ScheduledJob } from './scheduled-job.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

function everyMinute(...names: string[]): ScheduledJob[] {
  return names.map((name) => ({
    definition: defineSchedule({ name, timing: { cron: '* * * * *' }, enabledByDefault: true, timeoutMs: 10_000 }),
    handler: async () => undefined,
  }));
}

function manager(jobs: ScheduledJob[], clock: ManualClock, instanceId = 'worker-a') {
  const { logger, lines } = capturingLogger('worker');
  const instance = new ScheduleManager({
    sql: db.sql,
    logger,
    clock,
    instanceId,
    jobs,
    leaseTimeoutMs: 600_000,
    tickIntervalMs: 1_000,
  });
  return { manager: instance, lines };
}

/** Sessions of this test's database waiting for a row lock. */
async function lockWaiters(): Promise<number> {
  const [row] = await db.sql<{ waiting: number }[]>`
    select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
  return row!.waiting;
}

describe('schedule row locks', () => {
  it('a claim chosen as a deadlock victim is retried once and the tick still claims every due slot', async () => {
    const clock = new ManualClock('2026-01-10T10:00:30Z');
    const { manager: m, lines } = manager(everyMinute('deadlock-a', 'deadlock-b'), clock);
    await m.syncDefinitions();
    clock.set('2026-01-10T10:01:00.010Z');

    // An operator's transaction holds b, the claim takes a (id order) and waits for b, then the
    // operator asks for a: a lock cycle. The operator's session waits longer before checking
    // for deadlocks, so Postgres aborts the claim (40P01).
    const operator = db.sql.begin(async (tx) => {
      await tx`set local deadlock_timeout = '20s'`;
      await tx`select id from job_schedules where id = 'deadlock-b' for update`;
      const tick = m.tick();
      await eventually(async () => (await lockWaiters()) === 1);
      await tx`select id from job_schedules where id = 'deadlock-a' for update`;
      // Not awaited here: the claim's retry waits for this transaction to commit.
      return { tick };
    });
    const summary = await (await operator).tick;
    await m.drain();

    expect(lines.filter((line) => line.event === 'scheduler.statement.retried')).toEqual([
      expect.objectContaining({ level: 'info', statement: 'claimSlots', code: '40P01' }),
    ]);
    expect(summary.claimed).toBe(2);
    const runs = await db.sql<{ job_name: string; status: string }[]>`
      select job_name, status from job_runs where job_name like 'deadlock-%' order by job_name`;
    expect(runs).toEqual([
      { job_name: 'deadlock-a', status: 'succeeded' },
      { job_name: 'deadlock-b', status: 'succeeded' },
    ]);
  });

  it("an operator's bulk changes racing three replicas' claims and run-nows never deadlock", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `bulk-${String(i).padStart(2, '0')}`);
    const jobs = everyMinute(...names);
    const clock = new ManualClock('2026-01-10T10:00:30Z');
    const replicas = ['worker-a', 'worker-b', 'worker-c'].map((id) => manager(jobs, clock, id));
    await replicas[0]!.manager.syncDefinitions();
    // Reversed order: each statement would lock the rows as its plan meets them.
    const reversed = [...names].reverse();
    for (let minute = 1; minute <= 8; minute += 1) {
      clock.set(new Date(Date.parse('2026-01-10T10:00:00Z') + minute * 60_000 + 10));
      await db.sql`
        insert into job_runs (job_name, schedule_id, trigger, status)
        select name, name, 'manual', 'queued' from unnest(${reversed}::text[]) as name`;
      const bulk = db.sql.begin(async (tx) => {
        await tx`
          update job_schedules s set updated_at = now()
          from (select id from job_schedules where id = any(${reversed}::text[]) order by id for update) locked
          where s.id = locked.id`;
        await sleep(5);
      });
      await Promise.all([bulk, ...replicas.map(({ manager: m }) => m.tick())]);
      await Promise.all(replicas.map(({ manager: m }) => m.drain()));
    }
    const retried = replicas.flatMap(({ lines }) =>
      lines.filter((line) => line.event === 'scheduler.statement.retried'),
    );
    expect(retried).toEqual([]);
    const [counts] = await db.sql<{ scheduled: number; duplicates: number; unfinished: number }[]>`
      select count(*) filter (where trigger = 'schedule')::int as scheduled,
             (count(*) filter (where trigger = 'schedule') - count(distinct (job_name, scheduled_for)) filter (where trigger = 'schedule'))::int as duplicates,
             count(*) filter (where status = 'running')::int as unfinished
      from job_runs where job_name like 'bulk-%'`;
    // A slot whose lease a run-now held when it came is skipped by the overlap policy, so not every slot runs.
    expect(counts!.scheduled).toBeGreaterThan(12);
    expect(counts).toMatchObject({ duplicates: 0, unfinished: 0 });
  });
});
