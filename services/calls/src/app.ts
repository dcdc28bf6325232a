import type { FastifyInstance } from 'fastify';
import type { CallsConfig } from '@nudge/config';
import type { Sql } from '@nudge/db';
import type { Logger } from '@nudge/logger';
import { createHttpApp, databaseCheck, schemaCheck, type Metrics } from '@nudge/service';

export interface CallsDependencies {
  config: CallsConfig;
  sql: Sql;
  logger: Logger;
  metrics: Metrics;
}

/** The calls role: Twilio's webhooks, health and metrics. Tests build it without listening. */
export async function buildCallsApp(deps: CallsDependencies): Promise<FastifyInstance> {
  return createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    checks: [databaseCheck(deps.sql), schemaCheck(deps.sql, 'calls')],
    http: deps.config.http,
    requestTimeoutMs: 15_000,
  });
}
