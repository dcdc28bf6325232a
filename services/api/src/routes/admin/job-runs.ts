import type { Sql } from '@nudge/db';
import type { HttpApp } from '@nudge/service';
import { RUN_STATUSES, RUN_TRIGGERS } from '@nudge/schedules';
import { listJobRuns } from '../../admin/job-runs.js';
import { closedObject, errorResponses } from '../schemas.js';
import { jobRunSchema } from './schemas.js';

const query = {
  type: 'object',
  additionalProperties: false,
  properties: {
    job: { type: 'string', minLength: 1, maxLength: 100 },
    status: { type: 'string', enum: RUN_STATUSES },
    trigger: { type: 'string', enum: RUN_TRIGGERS },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
} as const;

export async function adminJobRunRoutes(app: HttpApp, options: { sql: Sql }): Promise<void> {
  app.get(
    '/v1/admin/job-runs',
    {
      schema: {
        querystring: query,
        response: {
          200: closedObject({ runs: { type: 'array', items: jobRunSchema } }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({ runs: await listJobRuns(options.sql, request.query) }),
  );
}
