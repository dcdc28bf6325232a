import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { HttpApp } from '@nudge/service';
import { listInstances } from '../../admin/instances.js';
import { closedObject, errorResponses } from '../schemas.js';
import { instanceSchema } from './schemas.js';

export async function adminInstanceRoutes(app: HttpApp, options: { sql: Sql; clock: Clock }): Promise<void> {
  app.get(
    '/v1/admin/instances',
    {
      schema: {
        response: {
          200: closedObject({ instances: { type: 'array', items: instanceSchema } }),
          ...errorResponses,
        },
      },
    },
    async () => ({ instances: await listInstances(options.sql, options.clock.now()) }),
  );
}
