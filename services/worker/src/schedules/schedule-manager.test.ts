import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JobRunRow } from '@nudge/schedules';
import { Registry } from 'prom-client';
import { defineSchedule, type ScheduleDefinition } from '@nudge/domain';
import { silentOpsAlerts } from '@nudge/service';
import { capturingLogger, createTestDatabase, ManualClock, type TestDatabase } from '@nudge/testkit';
import { nudgeJobs } from '../jobs/index.js';
import { ScheduleManager } from './schedule-manager.js';
import type { JobHandler, ScheduledJob } from './scheduled-job.js';
import { createSchedulerMetrics } from './scheduler-metrics.js';
import { schedulerCheck } from './scheduler-readiness.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** Every minute, enabled, unless a test says otherwise. */
function definition(name: string, overrides: Partial<ScheduleDefinition> = {}): ScheduleDefinition {
  return defineSchedule({
    name,
    timing: { cron: '* * * * *' },
    enabledByDefault: true,
    timeoutMs: 10_000,
    ...overrides,
  });
}

const ok: JobHandler = async () => undefined;

/** A handler whose first call waits until the test opens the gate; later calls return at once. */
function gate(): { handler: JobHandler; open(): void; started: Promise<void>; calls(): number } {
  let open!: () => void;
  let markStarted!: () => void;
  let calls = 0;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  return {
    handler: async () => {
      calls += 1;
      if (calls > 1) return;
      markStarted();
      await opened;
    },
    open,
    started,
    calls: () => calls,
  };
}

/** Moves the clock to each instant in turn and ticks there. */
async function tickAt(m: ScheduleManager, clock: ManualClock, ...instants: string[]): Promise<void> {
  for (const instant of instants) {
    clock.set(instant);
    await m.tick();
  }
}

/** A buffer_one job whose handler holds until opened, started by the tick at 10:01 (the clock starts at 10:00:30). */
async function heldJobRunning(name: string) {
  const clock = new ManualClock('2026-01-10T10:00:30Z');
  const held = gate();
  const { manager: m } = manager(
    [{ definition: definition(name, { overlapPolicy: 'buffer_one' }), handler: held.handler }],
    clock,
  );
  await m.syncDefinitions();
  await tickAt(m, clock, '2026-01-10T10:01:00.010Z');
  await held.started;
  return { m, clock, held };
}

/** A schedule's runs as [HH:MM of the slot, status]. */
async function slotsOf(name: string): Promise<[string | undefined, string][]> {
  return (await runsOf(name)).map((r) => [r.scheduled_for?.toISOString().slice(11, 16), r.status]);
}

function manager(
  jobs: ScheduledJob[],
  clock: ManualClock,
  options: { instanceId?: string; leaseTimeoutMs?: number } = {},
) {
  const { logger, lines } = capturingLogger('worker');
  const registry = new Registry();
  const instance = new ScheduleManager({
    sql: db.sql,
    logger,
    clock,
    instanceId: options.instanceId ?? 'worker-a',
    jobs,
    // Longer than any jump of the manual clock, except where a test wants a lease to expire.
    leaseTimeoutMs: options.leaseTimeoutMs ?? 600_000,
    tickIntervalMs: 1_000,
    metrics: createSchedulerMetrics(registry),
  });
  const counter = async (schedule: string, event: string) => {
    const metric = await registry.getSingleMetric('nudge_schedule_events_total')?.get();
    return metric?.values.find((v) => v.labels.schedule === schedule && v.labels.event === event)?.value ?? 0;
  };
  return { manager: instance, lines, counter, events: (name: string) => lines.filter((line) => line.event === name) };
}

type RunRow = Pick<JobRunRow, 'id' | 'job_name' | 'trigger' | 'status' | 'scheduled_for' | 'worker_id' | 'error'>;

async function runsOf(...names: string[]): Promise<RunRow[]> {
  return db.sql<RunRow[]>`
    select id, job_name, trigger, status, scheduled_for, worker_id, error
    from job_runs where job_name = any(${names}::text[]) order by id`;
}

async function scheduleRow(id: string) {
  const [row] = await db.sql<
    {
      enabled: boolean;
      next_run_at: Date | null;
      lock_token: string | null;
      cron: string;
      last_status: string | null;
    }[]
  >`
    select enabled, next_run_at, lock_token, cron, last_status from job_schedules where id = ${id}`;
  return row;
}

describe('schedule manager', () => {
  it('creates a new definition with enabledByDefault and never overwrites an existing row on a later deploy', async () => {
    const clock = new ManualClock('2026-01-10T10:00:30Z');
    const jobs = [
      { definition: definition('sync-on', { enabledByDefault: true }), handler: ok },
      { definition: definition('sync-off', { enabledByDefault: false, timing: { everyMs: 30_000 } }), handler: ok },
    ];
    await manager(jobs, clock).manager.syncDefinitions();
    expect(await scheduleRow('sync-on')).toMatchObject({
      enabled: true,
      next_run_at: new Date('2026-01-10T10:01:00Z'),
      cron: '* * * * *',
    });
    expect(await scheduleRow('sync-off')).toMatchObject({ enabled: false, next_run_at: null, cron: '@every 30s' });

    // An operator flips both; the next deploy (a new manager) keeps what the operator chose.
    await db.sql`update job_schedules set enabled = not enabled, next_run_at = ${new Date('2026-01-10T10:05:00Z')} where id in ('sync-on', 'sync-off')`;
    await manager(jobs, clock).manager.syncDefinitions();
    expect(await scheduleRow('sync-on')).toMatchObject({ enabled: false });
    expect(await scheduleRow('sync-off')).toMatchObject({
      enabled: true,
      next_run_at: new Date('2026-01-10T10:05:00Z'),
    });
  });

  it('repairs an enabled schedule whose next_run_at is null at start, with a warning', async () => {
    const clock = new ManualClock('2026-01-10T10:00:30Z');
    const jobs = [{ definition: definition('repair-me'), handler: ok }];
    await manager(jobs, clock).manager.syncDefinitions();
    await db.sql`update job_schedules set next_run_at = null where id = 'repair-me'`;
    const { manager: m, events } = manager(jobs, clock);
    await m.syncDefinitions();
    expect(await scheduleRow('repair-me')).toMatchObject({ next_run_at: new Date('2026-01-10T10:01:00Z') });
    expect(events('schedule.next_run.repaired')).toHaveLength(1);
    expect(events('schedule.next_run.repaired')[0]).toMatchObject({ level: 'warn', schedule: 'repair-me' });
  });

  it('evaluates cron in the schedule time zone across the America/New_York spring-forward gap', async () => {
    const clock = new ManualClock('2026-03-08T05:00:00Z');
    const jobs = [
      {
        definition: definition('dst-new-york', { timing: { cron: '30 2 * * *' }, timezone: 'America/New_York' }),
        handler: ok,
      },
    ];
    const { manager: m } = manager(jobs, clock);
    await m.syncDefinitions();
    // 02:30 does not exist that night: the first valid instant after the gap is 03:00 EDT.
    expect((await scheduleRow('dst-new-york'))?.next_run_at).toEqual(new Date('2026-03-08T07:00:00Z'));
    clock.set('2026-03-08T07:00:00.020Z');
    await m.tick();
    await m.drain();
    expect((await runsOf('dst-new-york')).map((r) => [r.status, r.scheduled_for?.toISOString()])).toEqual([
      ['succeeded', '2026-03-08T07:00:00.000Z'],
    ]);
    expect((await scheduleRow('dst-new-york'))?.next_run_at).toEqual(new Date('2026-03-09T06:30:00Z'));
  });

  it('lets two replicas race for every slot and runs each exactly once', async () => {
    const clock = new ManualClock('2026-01-10T10:00:00.500Z');
    const jobs = ['race-1', 'race-2', 'race-3'].map((name) => ({
      definition: definition(name, { timing: { everyMs: 1_000 } }),
      handler: ok,
    }));
    const a = manager(jobs, clock, { instanceId: 'worker-a' }).manager;
    const b = manager(jobs, clock, { instanceId: 'worker-b' }).manager;
    await a.syncDefinitions();
    for (let second = 1; second <= 5; second += 1) {
      clock.set(new Date(Date.parse('2026-01-10T10:00:00Z') + second * 1_000 + 5));
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      // The manual clock jumps a whole second at once; let this second's runs end first.
      await Promise.all([a.drain(), b.drain()]);
    }
    await Promise.all([a.drain(), b.drain()]);
    const runs = await runsOf('race-1', 'race-2', 'race-3');
    expect(runs).toHaveLength(15);
    expect(new Set(runs.map((r) => `${r.job_name}@${r.scheduled_for?.toISOString()}`)).size).toBe(15);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('after five minutes of downtime, skip runs nothing, once runs one catch-up, and both count every missed slot', async () => {
    const clock = new ManualClock('2026-01-10T10:00:30Z');
    const jobs = [
      { definition: definition('down-skip', { missedPolicy: 'skip' }), handler: ok },
      { definition: definition('down-once', { missedPolicy: 'once' }), handler: ok },
    ];
    const first = manager(jobs, clock).manager;
    await first.syncDefinitions();
    clock.set('2026-01-10T10:01:00.010Z');
    await first.tick();
    await first.drain();

    // Down from 10:01:10 to 10:06:40: the slots 10:02 … 10:06 pass with no process ticking.
    clock.set('2026-01-10T10:06:40Z');
    const { manager: restarted, events, counter } = manager(jobs, clock);
    await restarted.start();
    await restarted.stop();

    const runs = await runsOf('down-skip', 'down-once');
    expect(runs.map((r) => `${r.job_name} ${r.scheduled_for?.toISOString().slice(11, 16)} ${r.status}`).sort()).toEqual(
      ['down-once 10:01 succeeded', 'down-once 10:06 succeeded', 'down-skip 10:01 succeeded'],
    );
    const missed = events('schedule.missed');
    expect(missed.find((l) => l.schedule === 'down-skip')).toMatchObject({ count: 5, policy: 'skip', catch_up: false });
    expect(missed.find((l) => l.schedule === 'down-once')).toMatchObject({ count: 5, policy: 'once', catch_up: true });
    expect(await counter('down-skip', 'missed')).toBe(5);
    expect(await counter('down-once', 'missed')).toBe(5);
    expect((await scheduleRow('down-skip'))?.next_run_at).toEqual(new Date('2026-01-10T10:07:00Z'));
    expect((await scheduleRow('down-once'))?.next_run_at).toEqual(new Date('2026-01-10T10:07:00Z'));
  });

  it('overlap skip: a slot that comes while the previous run is still going is skipped and recorded', async () => {
    const clock = new ManualClock('2026-01-10T10:00:30Z');
    const slow = gate();
    const {
      manager: m,
      events,
      counter,
    } = manager([{ definition: definition('overlap-skip'), handler: slow.handler }], clock);
    await m.syncDefinitions();
    await tickAt(m, clock, '2026-01-10T10:01:00.010Z');
    await slow.started;
    await tickAt(m, clock, '2026-01-10T10:02:00.010Z');
    slow.open();
    await m.drain();
    expect(await slotsOf('overlap-skip')).toEqual([
      ['10:01', 'succeeded'],
      ['10:02', 'skipped'],
    ]);
    const runs = await runsOf('overlap-skip');
    expect(runs[1]?.error).toMatch(/overlap_policy skip/);
    expect(events('schedule.overlap.skipped')).toHaveLength(1);
    expect(await counter('overlap-skip', 'overlap_skipped')).toBe(1);
    expect(await scheduleRow('overlap-skip')).toMatchObject({
      lock_token: null,
      next_run_at: new Date('2026-01-10T10:03:00Z'),
    });
  });

  it('overlap buffer_one: slots that come while the run is going run once, right after it', async () => {
    const { m, clock, held: slow } = await heldJobRunning('overlap-buffer');
    await tickAt(m, clock, '2026-01-10T10:02:00.010Z', '2026-01-10T10:03:00.010Z');
    slow.open();
    await m.drain();
    expect(await slotsOf('overlap-buffer')).toEqual([
      ['10:01', 'succeeded'],
      ['10:02', 'succeeded'],
    ]);
    expect(slow.calls()).toBe(2);
    expect(await scheduleRow('overlap-buffer')).toMatchObject({
      lock_token: null,
      next_run_at: new Date('2026-01-10T10:04:00Z'),
    });
  });

  it('runs a group in dependency waves and skips the dependents of a failed job with the reason', async () => {
    const clock = new ManualClock('2026-01-10T10:00:30Z');
    const order: string[] = [];
    const record =
      (name: string, fail = false): JobHandler =>
      async () => {
        order.push(`${name}:start`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push(`${name}:end`);
        if (fail) throw new Error(`${name} broke`);
      };
    const daily = { timing: { cron: '0 3 * * *' }, enabledByDefault: false };
    const jobs = [
      { definition: definition('wave-root'), handler: record('wave-root') },
      { definition: definition('wave-a', { ...daily, dependsOn: ['wave-root'] }), handler: record('wave-a', true) },
      { definition: definition('wave-b', { ...daily, dependsOn: ['wave-root'] }), handler: record('wave-b') },
      { definition: definition('wave-c', { ...daily, dependsOn: ['wave-a'] }), handler: record('wave-c') },
      { definition: definition('wave-d', { ...daily, dependsOn: ['wave-b', 'wave-root'] }), handler: record('wave-d') },
    ];
    const { manager: m, events } = manager(jobs, clock);
    await m.syncDefinitions();
    clock.set('2026-01-10T10:01:00.010Z');
    await m.tick();
    await m.drain();
    const runs = await runsOf('wave-root', 'wave-a', 'wave-b', 'wave-c', 'wave-d');
    const byJob = Object.fromEntries(runs.map((r) => [r.job_name, r]));
    expect(byJob['wave-root']).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
    expect(byJob['wave-a']).toMatchObject({ trigger: 'dependency', status: 'failed', error: 'wave-a broke' });
    expect(byJob['wave-b']).toMatchObject({ trigger: 'dependency', status: 'succeeded' });
    expect(byJob['wave-c']).toMatchObject({
      trigger: 'dependency',
      status: 'skipped',
      error: 'dependency wave-a failed',
    });
    expect(byJob['wave-d']).toMatchObject({ trigger: 'dependency', status: 'succeeded' });
    expect(runs.every((r) => r.scheduled_for?.toISOString() === '2026-01-10T10:01:00.000Z')).toBe(true);
    // Wave 1 (a, b) runs side by side after the root; wave 2 (c, d) only after both ended.
    expect(order.indexOf('wave-root:end')).toBeLessThan(order.indexOf('wave-a:start'));
    expect(order.indexOf('wave-a:start')).toBeLessThan(order.indexOf('wave-b:end'));
    expect(order.indexOf('wave-a:end')).toBeLessThan(order.indexOf('wave-d:start'));
    expect(order.indexOf('wave-b:end')).toBeLessThan(order.indexOf('wave-d:start'));
    expect(order).not.toContain('wave-c:start');
    expect(events('schedule.run.failed').map((l) => l.schedule)).toEqual(['wave-a']);
  });

  it('runs a queued run-now of a disabled schedule and records it as manual', async () => {
    const clock = new ManualClock('2026-01-10T10:00:30Z');
    let ran = 0;
    const { manager: m } = manager(
      [{ definition: definition('run-now', { enabledByDefault: false }), handler: async () => void (ran += 1) }],
      clock,
    );
    await m.syncDefinitions();
    await db.sql`insert into job_runs (job_name, schedule_id, trigger, status) values ('run-now', 'run-now', 'manual', 'queued')`;
    await m.tick();
    await m.drain();
    expect(ran).toBe(1);
    expect(await runsOf('run-now')).toEqual([
      expect.objectContaining({ trigger: 'manual', status: 'succeeded', worker_id: 'worker-a' }),
    ]);
    expect(await scheduleRow('run-now')).toMatchObject({ enabled: false, lock_token: null });
  });

  it('fails a run that exceeds its timeout and frees the lease', async () => {
    const clock = new ManualClock('2026-01-10T10:00:30Z');
    const stuck = gate();
    const { manager: m } = manager(
      [{ definition: definition('time-out', { timeoutMs: 50 }), handler: stuck.handler }],
      clock,
    );
    await m.syncDefinitions();
    await tickAt(m, clock, '2026-01-10T10:01:00.010Z');
    await m.drain();
    stuck.open();
    expect(await runsOf('time-out')).toEqual([
      expect.objectContaining({ status: 'failed', error: 'timed out after 50 ms' }),
    ]);
    expect(await scheduleRow('time-out')).toMatchObject({ lock_token: null, last_status: 'failed' });
  });

  it('on stop, ends a running job as failed and frees its lease for the other replicas', async () => {
    const { m, clock, held: stuck } = await heldJobRunning('stop-me');
    clock.set('2026-01-10T10:02:00.010Z');
    await m.stop();
    stuck.open();
    expect(await runsOf('stop-me')).toEqual([
      expect.objectContaining({ status: 'failed', error: 'the worker is shutting down' }),
    ]);
    // The slot that came meanwhile is not started by a stopping worker; it stays due.
    expect(await scheduleRow('stop-me')).toMatchObject({
      lock_token: null,
      next_run_at: new Date('2026-01-10T10:02:00Z'),
    });
  });

  it('reclaims a lease nobody renewed, runs the slot again on a live replica and rejects the zombie completion', async () => {
    const clock = new ManualClock('2026-01-10T10:00:30Z');
    const zombie = gate();
    const jobs = [{ definition: definition('reclaim-me'), handler: zombie.handler }];
    const a = manager(jobs, clock, { instanceId: 'worker-a', leaseTimeoutMs: 5_000 });
    const b = manager(jobs, clock, { instanceId: 'worker-b', leaseTimeoutMs: 5_000 });
    await a.manager.syncDefinitions();
    await tickAt(a.manager, clock, '2026-01-10T10:01:00.010Z');
    await zombie.started;
    // worker-a stalls: its lease is not renewed on the (manual) clock for longer than the timeout.
    clock.advance(6_000);
    await b.manager.tick();
    await b.manager.drain();
    zombie.open();
    await a.manager.drain();

    const runs = await runsOf('reclaim-me');
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({
      worker_id: 'worker-a',
      status: 'failed',
      scheduled_for: new Date('2026-01-10T10:01:00Z'),
    });
    expect(runs[0]?.error).toMatch(
      /^lease expired: worker-a stopped renewing it .*; reclaimed by worker-b; completion as succeeded rejected/,
    );
    expect(runs[1]).toMatchObject({
      worker_id: 'worker-b',
      status: 'succeeded',
      trigger: 'schedule',
      scheduled_for: new Date('2026-01-10T10:01:00Z'),
    });
    expect(b.events('schedule.lease.reclaimed')).toEqual([
      expect.objectContaining({ previous_worker: 'worker-a', schedule: 'reclaim-me' }),
    ]);
    expect(a.events('schedule.completion.rejected')).toEqual([
      expect.objectContaining({ run_id: runs[0]?.id, status: 'succeeded' }),
    ]);
    expect(a.events('schedule.run.completed')).toHaveLength(0);
    expect(await scheduleRow('reclaim-me')).toMatchObject({ lock_token: null, last_status: 'succeeded' });
  });

  it("creates Nudge's cleanups disabled and calendar-sync and heartbeat enabled; a run-now of a cleanup logs what it removed", async () => {
    const clock = new ManualClock('2026-01-10T10:00:30Z');
    const { manager: m, events } = manager(nudgeJobs({ ops: silentOpsAlerts }), clock);
    await m.syncDefinitions();
    const rows = await db.sql<{ id: string; enabled: boolean; next_run_at: Date | null }[]>`
      select id, enabled, next_run_at from job_schedules
      where id in ('calendar-sync', 'heartbeat', 'webhook-events-cleanup', 'deliveries-cleanup', 'checkin-tokens-cleanup') order by id`;
    expect(rows).toEqual([
      { id: 'calendar-sync', enabled: true, next_run_at: new Date('2026-01-10T10:01:00Z') },
      { id: 'checkin-tokens-cleanup', enabled: false, next_run_at: null },
      { id: 'deliveries-cleanup', enabled: false, next_run_at: null },
      { id: 'heartbeat', enabled: true, next_run_at: new Date('2026-01-10T10:01:00Z') },
      { id: 'webhook-events-cleanup', enabled: false, next_run_at: null },
    ]);
    await db.sql`insert into job_runs (job_name, schedule_id, trigger, status) values ('webhook-events-cleanup', 'webhook-events-cleanup', 'manual', 'queued')`;
    await m.tick();
    await m.drain();
    expect(events('schedule.run.completed')).toEqual([
      expect.objectContaining({ schedule: 'webhook-events-cleanup', trigger: 'manual', removed: 0 }),
    ]);
  });

  it('reports the worker not ready before its scheduler loop ticks and when it has not ticked for three intervals', async () => {
    const clock = new ManualClock('2026-01-10T10:00:00Z');
    const loop: { lastTickAt: Date | undefined } = { lastTickAt: undefined };
    const check = schedulerCheck(loop, clock, 1_000);
    expect(await check.run()).toEqual(['the scheduler loop has not ticked yet']);
    loop.lastTickAt = clock.now();
    clock.advance(2_900);
    expect(await check.run()).toEqual([]);
    clock.advance(200);
    expect(await check.run()).toEqual(['the scheduler loop has not ticked for 3100 ms (limit 3000 ms, 3 intervals)']);
  });
});
