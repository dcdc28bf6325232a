import type { WorkerConfig } from '@nudge/config';
import type { Clock } from '@nudge/domain';
import {
  connectRedis,
  createHttpApp,
  databaseCheck,
  redisCheck,
  schemaCheck,
  type ReadinessCheck,
  type Redis,
  type RoleContext,
  type RoleInstance,
} from '@nudge/service';
import { Counter } from 'prom-client';
import { Dispatcher } from './dispatcher/dispatcher.js';
import { VapidHeaders } from './dispatcher/vapid-headers.js';
import { registerAlertStateGauge } from './metrics/alert-states.js';
import { calendarSyncDeps, calendarSyncJob } from './jobs/calendar-sync.js';
import { nudgeJobs } from './jobs/index.js';
import { ScheduleManager } from './schedules/schedule-manager.js';
import type { ScheduledJob } from './schedules/scheduled-job.js';
import { createSchedulerMetrics } from './schedules/scheduler-metrics.js';
import { schedulerCheck } from './schedules/scheduler-readiness.js';

/** What tests and fixtures may replace; production uses the defaults. */
export interface WorkerOverrides {
  jobs?: readonly ScheduledJob[];
  clock?: Clock;
}

/**
 * Wires the worker's subsystems from its flags. A subsystem whose flag is off is not loaded:
 * with escalation off, nothing here opens a Redis connection. Its HTTP server, on
 * HEALTH_PORT, serves only health and metrics.
 */
export async function buildWorker(context: RoleContext<WorkerConfig>, overrides: WorkerOverrides = {}): Promise<RoleInstance> {
  const { config, logger, sql, metrics } = context;
  const clock = overrides.clock ?? context.clock;
  const checks: ReadinessCheck[] = [databaseCheck(sql), schemaCheck(sql, 'worker')];

  let redis: Redis | undefined;
  if (config.redis !== undefined) {
    redis = await connectRedis(config.redis.url, logger, 'escalation');
    checks.push(redisCheck(redis));
  }

  let dispatcher: Dispatcher | undefined;
  if (config.push !== undefined) {
    registerAlertStateGauge(metrics.registry, sql);
    dispatcher = new Dispatcher({
      sql,
      logger,
      clock,
      sender: { vapid: new VapidHeaders(config.push, clock), timeoutMs: 10_000 },
      publicBaseUrl: config.publicBaseUrl,
      concurrency: config.dispatch.concurrency,
      batchSize: config.dispatch.batchSize,
      staleProcessingMs: config.dispatch.staleProcessingMs,
      maxIdleMs: 30_000,
      checkinEnabled: config.flags.checkin,
      escalationEnabled: config.flags.escalation,
      pushResults: new Counter({
        name: 'nudge_push_deliveries_total',
        help: 'Web Push sends by result (sent, gone, retry, rejected) and HTTP status',
        labelNames: ['result', 'status_code'] as const,
        registers: [metrics.registry],
      }),
    });
    const running = dispatcher;
    checks.push({
      name: 'dispatcher',
      async run() {
        const last = running.lastLoopAt?.getTime() ?? 0;
        return clock.now().getTime() - last > 90_000 ? ['the alert dispatcher has not run for over 90 s'] : [];
      },
      // Being behind is reported, not "unready": restarting the worker would not help.
      detail: () => ({ lag_ms: running.lagMs }),
    });
  }

  let scheduler: ScheduleManager | undefined;
  if (config.flags.schedulers) {
    scheduler = new ScheduleManager({
      sql,
      logger,
      clock,
      instanceId: config.process.instanceId,
      jobs:
        overrides.jobs ??
        nudgeJobs({
          ops: context.ops,
          // Built once: its circuit breaker must remember an outage from one tick to the next.
          ...(config.google === undefined ? {} : { calendarSync: calendarSyncJob(calendarSyncDeps(config, { sql, logger, clock, ops: context.ops })) }),
        }),
      leaseTimeoutMs: config.scheduler.leaseTimeoutMs,
      tickIntervalMs: config.scheduler.tickIntervalMs,
      metrics: createSchedulerMetrics(metrics.registry),
    });
    checks.push(schedulerCheck(scheduler, clock, config.scheduler.tickIntervalMs));
  }

  const app = await createHttpApp({ logger, metrics, checks, http: { ...config.http, bodyLimitBytes: 1024 } });
  return {
    app,
    async start() {
      await scheduler?.start();
      await dispatcher?.start();
    },
    async stop() {
      await scheduler?.stop();
      await dispatcher?.stop();
      redis?.disconnect();
    },
  };
}
