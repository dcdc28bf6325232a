import type { WorkerConfig } from '@nudge/config';
import type { Clock } from '@nudge/domain';
import {
  connectRedis,
  createBreakerGauge,
  createHttpApp,
  databaseCheck,
  redisCheck,
  schemaCheck,
  type ReadinessCheck,
  type Redis,
  type RoleContext,
  type RoleInstance,
} from '@nudge/service';
import { Counter, Gauge, type Registry } from 'prom-client';
import { Dispatcher } from './dispatcher/dispatcher.js';
import type { Escalation } from './escalation/escalation.js';
import { VapidHeaders } from './dispatcher/vapid-headers.js';
import { registerAlertStateGauge } from './metrics/alert-states.js';
import { calendarSyncDeps, calendarSyncJob } from './jobs/calendar-sync.js';
import { nudgeJobs } from './jobs/index.js';
import { ScheduleManager } from './schedules/schedule-manager.js';
import type { JobHandler, ScheduledJob } from './schedules/scheduled-job.js';
import { createSchedulerMetrics } from './schedules/scheduler-metrics.js';
import { schedulerCheck } from './schedules/scheduler-readiness.js';

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

  let escalation: Escalation | undefined;
  if (config.flags.escalation && redis !== undefined && config.redis !== undefined && config.twilio !== undefined && config.callsPublicUrl !== undefined && config.escalation !== undefined) {
    // Imported here, not at the top: with escalation off, bullmq and twilio are never loaded.
    const { createEscalation } = await import('./escalation/escalation.js');
    escalation = createEscalation({
      sql,
      logger,
      clock,
      registry: metrics.registry,
      ops: context.ops,
      redis,
      redisUrl: config.redis.url,
      twilio: config.twilio,
      callsPublicUrl: config.callsPublicUrl,
      settings: config.escalation,
    });
    checks.push(...escalation.checks);
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
    new Gauge({
      name: 'nudge_dispatcher_lag_seconds',
      help: 'How long the oldest due alert had waited at the dispatcher\'s last look',
      registers: [metrics.registry],
      collect() {
        this.set(running.lagMs / 1000);
      },
    });
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
          ...(config.google === undefined
            ? {}
            : { calendarSync: countedSyncRuns(calendarSyncJob(calendarSyncDeps(config, { sql, logger, clock, ops: context.ops, breakerGauge: createBreakerGauge(metrics.registry) })), metrics.registry) }),
        }),
      leaseTimeoutMs: config.scheduler.leaseTimeoutMs,
      tickIntervalMs: config.scheduler.tickIntervalMs,
      metrics: createSchedulerMetrics(metrics.registry),
    });
    checks.push(schedulerCheck(scheduler, clock, config.scheduler.tickIntervalMs));
    const ticking = scheduler;
    new Gauge({
      name: 'nudge_scheduler_last_tick_timestamp_seconds',
      help: 'When this worker\'s schedule manager last ticked (Unix seconds)',
      registers: [metrics.registry],
      collect() {
        const last = ticking.lastTickAt;
        if (last !== undefined) this.set(last.getTime() / 1000);
      },
    });
  }

  const app = await createHttpApp({ logger, metrics, checks, http: { ...config.http, bodyLimitBytes: 1024 } });
  return {
    app,
    async start() {
      await scheduler?.start();
      await dispatcher?.start();
      escalation?.start();
    },
    async stop() {
      await scheduler?.stop();
      await escalation?.stop();
      await dispatcher?.stop();
      redis?.disconnect();
    },
  };
}
