import type { WorkerConfig } from '@nudge/config';
import { systemClock, type Clock } from '@nudge/domain';
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
  const clock = overrides.clock ?? systemClock;
  const checks: ReadinessCheck[] = [databaseCheck(sql), schemaCheck(sql, 'worker')];

  let redis: Redis | undefined;
  if (config.redis !== undefined) {
    redis = await connectRedis(config.redis.url, logger, 'escalation');
    checks.push(redisCheck(redis));
  }

  let scheduler: ScheduleManager | undefined;
  if (config.flags.schedulers) {
    scheduler = new ScheduleManager({
      sql,
      logger,
      clock,
      instanceId: config.process.instanceId,
      jobs: overrides.jobs ?? nudgeJobs(),
      leaseTimeoutMs: config.scheduler.leaseTimeoutMs,
      tickIntervalMs: config.scheduler.tickIntervalMs,
      metrics: createSchedulerMetrics(metrics.registry),
    });
    checks.push(schedulerCheck(scheduler, clock, config.scheduler.tickIntervalMs));
  }

  const app = await createHttpApp({ logger, metrics, checks, bodyLimitBytes: 1024 });
  return {
    app,
    async start() {
      await scheduler?.start();
    },
    async stop() {
      await scheduler?.stop();
      await redis?.quit().catch(() => redis?.disconnect());
    },
  };
}
