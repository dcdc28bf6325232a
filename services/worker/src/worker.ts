import type { WorkerConfig } from '@nudge/config';
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
import type { Escalation } from './escalation/escalation.js';
import { VapidHeaders } from './dispatcher/vapid-headers.js';

/**
 * Wires the worker's subsystems from its flags. A subsystem whose flag is off is not loaded:
 * with escalation off, nothing here opens a Redis connection. Its HTTP server, on
 * HEALTH_PORT, serves only health and metrics.
 */
export async function buildWorker(context: RoleContext<WorkerConfig>): Promise<RoleInstance> {
  const { config, logger, sql, metrics, clock } = context;
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
    });
  }

  const app = await createHttpApp({ logger, metrics, checks, bodyLimitBytes: 1024 });
  return {
    app,
    async start() {
      await dispatcher?.start();
      escalation?.start();
    },
    async stop() {
      await escalation?.stop();
      await dispatcher?.stop();
      redis?.disconnect();
    },
  };
}
