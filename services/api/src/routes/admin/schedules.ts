import type { Sql } from '@nudge/db';
import { InvalidScheduleError, parseScheduleTiming, upcomingSlots, type Clock } from '@nudge/domain';
import { HttpError, notFound, type HttpApp } from '@nudge/service';
import { findSchedule, listSchedules, setScheduleEnabled } from '../../admin/schedules.js';
import { enqueueManualRun } from '@nudge/schedules';
import { closedObject, errorResponses } from '../schemas.js';
import { jobRunSchema, scheduleIdParams, scheduleSchema } from './schemas.js';

const previewQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    n: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    cron: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'preview this expression instead of the schedule’s own',
    },
    timezone: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

/** Operator routes over job_schedules (DESIGN §5). */
export async function adminScheduleRoutes(app: HttpApp, options: { sql: Sql; clock: Clock }): Promise<void> {
  const { sql, clock } = options;

  app.get(
    '/v1/admin/schedules',
    {
      schema: {
        response: {
          200: closedObject({ schedules: { type: 'array', items: scheduleSchema } }),
          ...errorResponses,
        },
      },
    },
    async () => ({ schedules: await listSchedules(sql) }),
  );

  app.patch(
    '/v1/admin/schedules/:id',
    {
      schema: {
        params: scheduleIdParams,
        body: closedObject({ enabled: { type: 'boolean' } }),
        response: { 200: scheduleSchema, ...errorResponses },
      },
    },
    async (request) => {
      let schedule;
      try {
        schedule = await setScheduleEnabled(sql, request.params.id, request.body.enabled, clock.now());
      } catch (err) {
        // A row edited by hand to a cron the parser rejects cannot be enabled.
        if (err instanceof InvalidScheduleError) throw new HttpError(409, 'invalid_schedule', err.message);
        throw err;
      }
      if (schedule === undefined) throw notFound('schedule');
      request.log.info(
        {
          event: 'schedule.enabled.changed',
          schedule: schedule.id,
          enabled: schedule.enabled,
          by: request.caller?.userId,
        },
        `schedule ${schedule.id} enabled=${schedule.enabled}`,
      );
      return schedule;
    },
  );

  app.post(
    '/v1/admin/schedules/:id/run',
    {
      schema: {
        params: scheduleIdParams,
        response: {
          202: { type: 'object', additionalProperties: false, required: ['run'], properties: { run: jobRunSchema } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      if ((await findSchedule(sql, request.params.id)) === undefined) throw notFound('schedule');
      const run = await enqueueManualRun(sql, request.params.id, clock.now());
      request.log.info(
        { event: 'schedule.run.queued', schedule: run.job_name, run_id: run.id, by: request.caller?.userId },
        `run of ${run.job_name} queued`,
      );
      return reply.status(202).send({ run });
    },
  );

  app.get(
    '/v1/admin/schedules/:id/preview',
    {
      schema: {
        params: scheduleIdParams,
        querystring: previewQuery,
        response: {
          200: closedObject({
            id: { type: 'string' },
            cron: { type: 'string' },
            timezone: { type: 'string' },
            runs: { type: 'array', items: { type: 'string', format: 'date-time' } },
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const schedule = await findSchedule(sql, request.params.id);
      if (schedule === undefined) throw notFound('schedule');
      const cron = request.query.cron ?? schedule.cron;
      const timezone = request.query.timezone ?? schedule.timezone;
      try {
        const runs = upcomingSlots(parseScheduleTiming(cron, timezone), clock.now(), request.query.n);
        return { id: schedule.id, cron, timezone, runs };
      } catch (err) {
        if (!(err instanceof InvalidScheduleError)) throw err;
        throw new HttpError(400, 'invalid_schedule', err.message, [
          { path: request.query.cron === undefined ? 'schedule/cron' : 'querystring/cron', message: err.message },
        ]);
      }
    },
  );
}
