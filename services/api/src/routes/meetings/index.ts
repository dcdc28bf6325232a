import type { FastifyInstance } from 'fastify';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import { callerOf } from '../../plugins/auth.js';
import { errorResponses } from '../schemas.js';
import { timeRange, timeRangeQuery } from '../time-range.js';

const meetingSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    starts_at: { type: 'string', format: 'date-time' },
    ends_at: { type: 'string', format: 'date-time' },
    status: { type: 'string' },
    self_response: { type: ['string', 'null'] },
    attendee_count: { type: 'integer' },
    conference_url: { type: ['string', 'null'] },
    alert_id: { type: ['string', 'null'] },
    alert_state: { type: ['string', 'null'] },
  },
} as const;

/** The caller's meetings in a range (default: now to 14 days ahead), each with its alert's state. */
export async function meetingRoutes(app: FastifyInstance, options: { sql: Sql; clock: Clock }): Promise<void> {
  const { sql, clock } = options;
  app.addHook('onRequest', app.requireCaller);
  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/v1/meetings',
    {
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: timeRangeQuery },
        response: { 200: { type: 'array', items: meetingSchema }, ...errorResponses },
      },
    },
    async (request) => {
      const { from, to } = timeRange(request.query, clock.now(), { backDays: 0, aheadDays: 14 });
      return sql`
        select m.id, m.title, m.starts_at, m.ends_at, m.status, m.self_response, m.attendee_count, m.conference_url,
               a.id as alert_id, a.state as alert_state
        from meetings m
        left join lateral (select id, state from alerts where meeting_id = m.id order by created_at desc limit 1) a on true
        where m.user_id = ${callerOf(request).userId} and m.starts_at >= ${from} and m.starts_at < ${to}
        order by m.starts_at
        limit 1000`;
    },
  );
}
