import type { Sql } from '@nudge/db';
import { ALERT_STATES, type Clock } from '@nudge/domain';
import type { HttpApp, ReplyOf } from '@nudge/service';
import { callerOf } from '../../plugins/auth.js';
import { restrictTo } from '../audience.js';
import { closedObject, column, columns, errorResponses } from '../schemas.js';
import { timeRange, timeRangeQuery } from '../time-range.js';

const meetingProperties = {
  ...columns(column.text, 'id', 'title'),
  ...columns(column.dateTime, 'starts_at', 'ends_at'),
  status: { type: 'string', enum: ['confirmed', 'cancelled'] },
  self_response: { type: ['string', 'null'], enum: ['accepted', 'declined', 'tentative', 'needsAction', null] },
  attendee_count: { type: 'integer' },
  ...columns(column.nullableText, 'conference_url', 'alert_id'),
  alert_state: { type: ['string', 'null'], enum: [...ALERT_STATES, null] },
} as const;

const meetingSchema = closedObject(meetingProperties);

/** The caller's meetings in a range (default: now to 14 days ahead), each with its alert's state. */
export async function meetingRoutes(app: HttpApp, options: { sql: Sql; clock: Clock }): Promise<void> {
  const { sql, clock } = options;
  restrictTo(app, 'callers');
  app.get(
    '/v1/meetings',
    {
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: timeRangeQuery },
        response: { 200: { type: 'array', items: meetingSchema }, ...errorResponses },
      },
    },
    async (request) => {
      const { from, to } = timeRange(request.query, clock.now(), { backDays: 0, aheadDays: 14 });
      return sql<ReplyOf<typeof meetingSchema>[]>`
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
