import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { replicaTestBed } from './replica-test-bed.js';
import type { ScheduleReplica } from './schedule-replicas.js';

const LEASE_TIMEOUT_MS = 1_500;

const bed = replicaTestBed();

interface Run {
  id: string;
  status: string;
  worker_id: string | null;
  scheduled_for: Date | null;
  error: string | null;
}

async function slowRuns(): Promise<Run[]> {
  return bed.db.sql<
    Run[]
  >`select id, status, worker_id, scheduled_for, error from job_runs where job_name = 'fixture-slow' order by id`;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}; runs: ${JSON.stringify(await slowRuns())}`);
}

describe('lease recovery across real worker processes', () => {
  it('reclaims the lease of a paused and of a kill -9ed holder, reruns the slot, and rejects the zombie completion', async () => {
    const replicas = await bed.start(3, { LEASE_TIMEOUT_MS: String(LEASE_TIMEOUT_MS) });
    const db = bed.db;
    const byId = new Map(replicas.map((r) => [r.instanceId, r]));
    await db.sql`update job_schedules set enabled = true, next_run_at = now() where id = 'fixture-slow'`;

    // 1. Whoever claimed the slot stalls (SIGSTOP): a zombie that stops renewing its lease.
    const first = await waitFor('the first run', async () => (await slowRuns()).find((r) => r.status === 'running'));
    const zombie = byId.get(first.worker_id as string) as ScheduleReplica;
    zombie.process.child.kill('SIGSTOP');

    // 2. Another replica reclaims it after the lease timeout and runs the slot again; kill -9 it mid-run.
    const second = await waitFor('the retry', async () =>
      (await slowRuns()).find((r) => r.status === 'running' && r.worker_id !== zombie.instanceId),
    );
    const killed = byId.get(second.worker_id as string) as ScheduleReplica;
    killed.process.child.kill('SIGKILL');

    // 3. The last live replica reclaims that lease too and finishes the slot.
    const survivor = replicas.find((r) => r !== zombie && r !== killed) as ScheduleReplica;
    await waitFor('the survivor to finish', async () =>
      (await slowRuns()).find((r) => r.status === 'succeeded' && r.worker_id === survivor.instanceId),
    );

    // 4. The zombie wakes up and tries to complete: rejected.
    zombie.process.child.kill('SIGCONT');
    await waitFor('the rejection', async () => zombie.process.events('schedule.completion.rejected')[0]);

    const runs = await slowRuns();
    expect(runs.map((r) => [r.worker_id, r.status])).toEqual([
      [zombie.instanceId, 'failed'],
      [killed.instanceId, 'failed'],
      [survivor.instanceId, 'succeeded'],
    ]);
    expect(new Set(runs.map((r) => r.scheduled_for?.toISOString())).size).toBe(1);
    // Any live replica may reclaim the zombie's lease; the queued retry goes to whoever ticks first.
    const others = `(${killed.instanceId}|${survivor.instanceId})`;
    expect(runs[0]?.error).toMatch(
      new RegExp(
        `^lease expired: ${zombie.instanceId} stopped renewing .*reclaimed by ${others}; completion as (succeeded|failed) rejected`,
      ),
    );
    expect(runs[1]?.error).toMatch(
      new RegExp(`^lease expired: ${killed.instanceId} stopped renewing .*reclaimed by ${survivor.instanceId}`),
    );
    const reclaims = [
      ...killed.process.events('schedule.lease.reclaimed'),
      ...survivor.process.events('schedule.lease.reclaimed'),
    ];
    expect(reclaims.map((line) => line.previous_worker).sort()).toEqual([killed.instanceId, zombie.instanceId].sort());
    expect(survivor.process.events('schedule.lease.reclaimed')).toContainEqual(
      expect.objectContaining({ previous_worker: killed.instanceId }),
    );
    expect(zombie.process.events('schedule.run.completed')).toEqual([]);
    const [schedule] = await db.sql`select lock_token, last_status from job_schedules where id = 'fixture-slow'`;
    expect(schedule).toEqual({ lock_token: null, last_status: 'succeeded' });
  }, 60_000);
});
