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
import { createCalendarSubsystem, type CalendarSubsystem } from './calendar/calendar-subsystem.js';
import { createDispatcher } from './dispatcher/create-dispatcher.js';
import type { Dispatcher } from './dispatcher/dispatcher.js';
import type { Escalation } from './escalation/escalation.js';
import { createScheduler } from './schedules/create-scheduler.js';
import type { ScheduleManager } from './schedules/schedule-manager.js';
import type { ScheduledJob } from './schedules/scheduled-job.js';

/** What tests and fixtures may replace; production uses the defaults. */
export interface WorkerOverrides {
  jobs?: readonly ScheduledJob[];
  clock?: Clock;
}

/**
 * Wires the worker's subsystems from its flags. A subsystem whose flag is off is not loaded:
 * with escalation off, nothing here opens a Redis connection. Its HTTP server, on
 * HEALTH_PORT, serves only health (and /metrics with METRICS_TOKEN and no METRICS_PORT).
 */
export async function buildWorker(
  context: RoleContext<WorkerConfig>,
  overrides: WorkerOverrides = {},
): Promise<RoleInstance> {
  const { config, logger, sql, readinessSql, metrics } = context;
  const clock = overrides.clock ?? context.clock;
  const checks: ReadinessCheck[] = [databaseCheck(readinessSql), schemaCheck(readinessSql, 'worker')];

  let redis: Redis | undefined;
  if (config.redis !== undefined) {
    redis = await connectRedis(config.redis.url, logger, 'escalation');
    checks.push(redisCheck(redis));
  }

  let escalation: Escalation | undefined;
  if (
    config.flags.escalation &&
    redis !== undefined &&
    config.redis !== undefined &&
    config.twilio !== undefined &&
    config.callsPublicUrl !== undefined &&
    config.escalation !== undefined
  ) {
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
    const created = createDispatcher(context, config.push, clock);
    dispatcher = created.dispatcher;
    checks.push(created.check);
  }

  let calendar: CalendarSubsystem | undefined;
  if (config.flags.schedulers && config.google !== undefined && overrides.jobs === undefined) {
    calendar = createCalendarSubsystem(config, {
      sql,
      logger,
      clock,
      registry: metrics.registry,
      ops: context.ops,
      breakerGauge: createBreakerGauge(metrics.registry),
      ...(redis === undefined ? {} : { redis }),
    });
  }

  let scheduler: ScheduleManager | undefined;
  if (config.flags.schedulers) {
    const created = createScheduler(context, clock, overrides.jobs, calendar);
    scheduler = created.scheduler;
    checks.push(created.check);
  }

  const app = await createHttpApp({ logger, metrics, checks, http: { ...config.http, bodyLimitBytes: 1024 } });
  return {
    app,
    async start() {
      await scheduler?.start();
      await calendar?.targeted.start();
      await dispatcher?.start();
      escalation?.start();
    },
    async stop() {
      await scheduler?.stop();
      await calendar?.targeted.stop();
      await escalation?.stop();
      await dispatcher?.stop();
      redis?.disconnect();
    },
  };
}
