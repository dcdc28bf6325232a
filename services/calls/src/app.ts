import type { FastifyInstance } from 'fastify';
import type { CallsConfig } from '@nudge/config';
import type { Sql } from '@nudge/db';
import { systemClock, type Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { createHttpApp, databaseCheck, schemaCheck, type Metrics } from '@nudge/service';
import { Counter } from 'prom-client';

export interface CallsDependencies {
  config: CallsConfig;
  sql: Sql;
  /** Readiness checks' own connection (runRole gives one); tests may leave it to `sql`. */
  readinessSql?: Sql;
  logger: Logger;
  metrics: Metrics;
  clock?: Clock;
}

/** The calls role: Twilio's webhooks, health and metrics. Tests build it without listening. */
export async function buildCallsApp(deps: CallsDependencies): Promise<FastifyInstance> {
  const app = await createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    checks: [databaseCheck(deps.readinessSql ?? deps.sql), schemaCheck(deps.readinessSql ?? deps.sql, 'calls')],
    http: deps.config.http,
    requestTimeoutMs: 15_000,
  });
  const { callsPublicUrl, twilio } = deps.config;
  if (callsPublicUrl !== undefined && twilio !== undefined) {
    // Loaded only with escalation on: a calls role without it never loads the twilio library.
    const { twilioRoutes } = await import('./routes/twilio/index.js');
    const callStatuses = new Counter({
      name: 'nudge_calls_total',
      help: 'Escalation call status callbacks applied, by Twilio CallStatus',
      labelNames: ['status'] as const,
      registers: [deps.metrics.registry],
    });
    await app.register(twilioRoutes, {
      sql: deps.sql,
      clock: deps.clock ?? systemClock,
      callsPublicUrl,
      authToken: twilio.authToken,
      callStatuses,
      perAddressPerMinute: deps.config.webhookLimits.perAddressPerMinute,
    });
  }
  return app;
}
