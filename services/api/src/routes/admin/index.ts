import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { HttpApp } from '@nudge/service';
import { adminInstanceRoutes } from './instances.js';
import { adminJobRunRoutes } from './job-runs.js';
import { adminScheduleRoutes } from './schedules.js';

/** Deployment routes: schedules, job runs and instances, for operators only. */
export async function operatorRoutes(app: HttpApp, options: { sql: Sql; clock: Clock }): Promise<void> {
  app.addHook('onRequest', app.requireCaller);
  app.addHook('onRequest', app.requireOperator);
  await app.register(adminScheduleRoutes, options);
  await app.register(adminJobRunRoutes, options);
  await app.register(adminInstanceRoutes, options);
}
