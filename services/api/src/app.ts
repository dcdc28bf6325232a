import type { FastifyInstance } from 'fastify';
import type { ApiConfig } from '@nudge/config';
import type { Sql } from '@nudge/db';
import { systemClock, type Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { createHttpApp, databaseCheck, migrationsCheck, schemaCheck, type Metrics } from '@nudge/service';
import { authPlugin } from './plugins/auth.js';
import { operatorRoutes } from './routes/admin/index.js';
import { meRoutes } from './routes/me/index.js';

export interface ApiDependencies {
  config: ApiConfig;
  sql: Sql;
  logger: Logger;
  metrics: Metrics;
  /** Defaults to the system clock; tests pin it. */
  clock?: Clock;
}

/** The api as a fastify instance that tests build without listening. */
export async function buildApiApp(deps: ApiDependencies): Promise<FastifyInstance> {
  const { sql } = deps;
  const app = await createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    checks: [databaseCheck(sql), migrationsCheck(sql), schemaCheck(sql, 'api')],
    bodyLimitBytes: deps.config.http.bodyLimitBytes,
  });
  await app.register(authPlugin, { sql });
  await app.register(meRoutes, { sql });
  await app.register(operatorRoutes, { sql, clock: deps.clock ?? systemClock });
  return app;
}
