import { Counter, type Registry } from 'prom-client';

export type SchedulerCounter = 'claimed' | 'missed' | 'overlap_skipped' | 'lease_reclaimed' | 'completion_rejected';

/** Counters of what the schedule manager decided, by schedule. */
export interface SchedulerMetrics {
  count(counter: SchedulerCounter, schedule: string, by?: number): void;
  runFinished(schedule: string, status: string): void;
}

export function createSchedulerMetrics(registry: Registry): SchedulerMetrics {
  const events = new Counter({
    name: 'nudge_schedule_events_total',
    help: 'Schedule manager decisions: claimed slots, missed slots, overlap skips, reclaimed leases, rejected completions',
    labelNames: ['schedule', 'event'] as const,
    registers: [registry],
  });
  const runs = new Counter({
    name: 'nudge_schedule_runs_total',
    help: 'Finished job runs by schedule and status',
    labelNames: ['schedule', 'status'] as const,
    registers: [registry],
  });
  return {
    count: (counter, schedule, by = 1) => events.inc({ schedule, event: counter }, by),
    runFinished: (schedule, status) => runs.inc({ schedule, status }),
  };
}
