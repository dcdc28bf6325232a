import { Counter, Histogram, type Registry } from 'prom-client';

export type SchedulerCounter = 'claimed' | 'missed' | 'overlap_skipped' | 'lease_reclaimed' | 'completion_rejected';

/** Counters of what the schedule manager decided, by schedule. */
export interface SchedulerMetrics {
  count(counter: SchedulerCounter, schedule: string, by?: number): void;
  runFinished(schedule: string, status: string): void;
  /** How late a claimed slot starts, from its scheduled time. */
  lateness(schedule: string, ms: number): void;
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
  const lateness = new Histogram({
    name: 'nudge_schedule_lateness_seconds',
    help: "From a slot's scheduled time to the start of its run",
    labelNames: ['schedule'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
    registers: [registry],
  });
  return {
    lateness: (schedule, ms) => lateness.observe({ schedule }, Math.max(0, ms) / 1000),
    count: (counter, schedule, by = 1) => events.inc({ schedule, event: counter }, by),
    runFinished: (schedule, status) => runs.inc({ schedule, status }),
  };
}
