import type { FastifyInstance } from 'fastify';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import { listInstances } from '../../admin/instances.js';
import { errorResponses } from '../schemas.js';
import { instanceSchema } from './schemas.js';

export async function adminInstanceRoutes(app: FastifyInstance, options: { sql: Sql; clock: Clock }): Promise<void> {
  app.get(
    '/v1/admin/instances',
    { schema: { response: { 200: { type: 'object', properties: { instances: { type: 'array', items: instanceSchema } } }, ...errorResponses } } },
    async () => ({ instances: await listInstances(options.sql, options.clock.now()) }),
  );
}
