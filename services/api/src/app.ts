import type { FastifyInstance } from 'fastify';
import type { ApiConfig } from '@nudge/config';
import type { Sql } from '@nudge/db';
import type { Logger } from '@nudge/logger';
import { createHttpApp, databaseCheck, migrationsCheck, schemaCheck, type Metrics } from '@nudge/service';
import type { Clock } from '@nudge/domain';
import { authPlugin } from './plugins/auth.js';
import { alertRoutes } from './routes/alerts/index.js';
import { calendarRoutes } from './routes/calendar/index.js';
import { checkinRoutes } from './routes/checkin/index.js';
import { meRoutes } from './routes/me/index.js';
import { meetingRoutes } from './routes/meetings/index.js';
import { pushRoutes } from './routes/push/index.js';
import { ruleRoutes } from './routes/rules/index.js';

export interface ApiDependencies {
  config: ApiConfig;
  clock: Clock;
  sql: Sql;
  logger: Logger;
  metrics: Metrics;
}

/** The api as a fastify instance that tests build without listening. */
export async function buildApiApp(deps: ApiDependencies): Promise<FastifyInstance> {
  const { sql, clock, config } = deps;
  const app = await createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    checks: [databaseCheck(sql), migrationsCheck(sql), schemaCheck(sql, 'api')],
    bodyLimitBytes: config.http.bodyLimitBytes,
  });
  await app.register(authPlugin, { sql });
  await app.register(meRoutes, { sql });
  await app.register(meetingRoutes, { sql, clock });
  if (config.push !== undefined) {
    await app.register(ruleRoutes, { sql, clock });
    await app.register(alertRoutes, { sql, clock });
    await app.register(pushRoutes, { sql, push: config.push });
  }
  if (config.flags.checkin) await app.register(checkinRoutes, { sql, clock });
  if (config.google !== undefined && config.credentialsKey !== undefined) {
    await app.register(calendarRoutes, { sql, clock, google: config.google, credentialsKey: config.credentialsKey, publicBaseUrl: config.publicBaseUrl });
  }
  return app;
}
