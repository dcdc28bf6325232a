import { setTimeout as sleep } from 'node:timers/promises';
import { defineSchedule, type ScheduleDefinition } from '@nudge/domain';
import type { ScheduledJob } from '../schedules/scheduled-job.js';

/**
 * Schedules for tests and benchmarks of the manager itself, all disabled by default: a test
 * enables the ones it exercises through the job_schedules row, as an operator would.
 */
export const FIXTURE_SLOW_RUN_MS = 4_000;

function fixture(name: string, overrides: Partial<ScheduleDefinition>): ScheduleDefinition {
  return defineSchedule({
    name,
    description: `test fixture ${name}`,
    timing: { everyMs: 1_000 },
    timeoutMs: 30_000,
    ...overrides,
  });
}

export function everySecondFixtureName(index: number): string {
  return `fixture-every-second-${String(index).padStart(2, '0')}`;
}

export function fixtureJobs(): ScheduledJob[] {
  const jobs: ScheduledJob[] = [];
  for (let i = 1; i <= 20; i += 1) {
    // Reports how late the handler started after its slot (the benchmark reads it from the log).
    jobs.push({
      definition: fixture(everySecondFixtureName(i), {}),
      handler: async ({ now, scheduledFor }) => ({
        lateness_ms: scheduledFor === null ? null : now().getTime() - scheduledFor.getTime(),
      }),
    });
  }
  // Ignores its abort signal on purpose: it stands for a job stuck in a call, so that a
  // paused process can come back after its lease was reclaimed and try to complete.
  jobs.push({
    definition: fixture('fixture-slow', { timing: { everyMs: 3_600_000 } }),
    handler: async () => {
      await sleep(FIXTURE_SLOW_RUN_MS);
      return { slept_ms: FIXTURE_SLOW_RUN_MS };
    },
  });
  return jobs;
}
