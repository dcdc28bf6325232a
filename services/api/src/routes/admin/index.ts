import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { HttpApp } from '@nudge/service';
import { restrictTo } from '../audience.js';
import { adminInstanceRoutes } from './instances.js';
import { adminJobRunRoutes } from './job-runs.js';
import { adminScheduleRoutes } from './schedules.js';

/** Deployment routes: schedules, job runs and instances, for operators only. */
export async function operatorRoutes(app: HttpApp, options: { sql: Sql; clock: Clock }): Promise<void> {
  restrictTo(app, 'operators');
  await app.register(adminScheduleRoutes, options);
  await app.register(adminJobRunRoutes, options);
  await app.register(adminInstanceRoutes, options);
}
