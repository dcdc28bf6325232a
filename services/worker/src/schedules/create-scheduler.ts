import type { WorkerConfig } from '@nudge/config';
import type { Clock } from '@nudge/domain';
import type { ReadinessCheck, RoleContext } from '@nudge/service';
import type { CalendarSubsystem } from '../calendar/calendar-subsystem.js';
import { Counter, Gauge, type Registry } from 'prom-client';
import { nudgeJobs } from '../jobs/index.js';
import { ScheduleManager } from './schedule-manager.js';
import type { JobHandler, ScheduledJob } from './scheduled-job.js';
import { createSchedulerMetrics } from './scheduler-metrics.js';
import { schedulerCheck } from './scheduler-readiness.js';

/** `nudge_calendar_sync_runs_total{result}`: each tick's per-user outcomes. */
function countedSyncRuns(job: JobHandler, registry: Registry): JobHandler {
  const runs = new Counter({
    name: 'nudge_calendar_sync_runs_total',
    help: 'Per-user calendar syncs by result',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  return async (context) => {
    const summary = (await job(context)) ?? {};
    runs.inc({ result: 'succeeded' }, Number(summary.succeeded ?? 0));
    runs.inc({ result: 'failed' }, Number(summary.failed ?? 0));
    return summary;
  };
}

/** Nudge's jobs with their handlers; the calendar subsystem is built once, its breaker outliving a tick. */
function workerJobs(context: RoleContext<WorkerConfig>, calendar: CalendarSubsystem | undefined): ScheduledJob[] {
  const { metrics, ops } = context;
  if (calendar === undefined) return nudgeJobs({ ops });
  return nudgeJobs({
    ops,
    calendarSync: countedSyncRuns(calendar.syncJob, metrics.registry),
    calendarChannels: calendar.channelsJob,
  });
}

/** The schedule manager as the worker runs it (ENABLE_SCHEDULERS=true), with its metrics and readiness. */
export function createScheduler(
  context: RoleContext<WorkerConfig>,
  clock: Clock,
  jobs: readonly ScheduledJob[] | undefined,
  calendar?: CalendarSubsystem,
): { scheduler: ScheduleManager; check: ReadinessCheck } {
  const { config, logger, sql, metrics } = context;
  const scheduler = new ScheduleManager({
    sql,
    logger,
    clock,
    instanceId: config.process.instanceId,
    jobs: jobs ?? workerJobs(context, calendar),
    leaseTimeoutMs: config.scheduler.leaseTimeoutMs,
    tickIntervalMs: config.scheduler.tickIntervalMs,
    metrics: createSchedulerMetrics(metrics.registry),
  });
  new Gauge({
    name: 'nudge_scheduler_last_tick_timestamp_seconds',
    help: "When this worker's schedule manager last ticked (Unix seconds)",
    registers: [metrics.registry],
    collect() {
      const last = scheduler.lastTickAt;
      if (last !== undefined) this.set(last.getTime() / 1000);
    },
  });
  return { scheduler, check: schedulerCheck(scheduler, clock, config.scheduler.tickIntervalMs) };
}
