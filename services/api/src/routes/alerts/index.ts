import { acknowledgeAlert } from '@nudge/alerts';
import type { Sql } from '@nudge/db';
import { ALERT_STATES, type Clock } from '@nudge/domain';
import { conflict, notFound, type HttpApp, type ReplyOf } from '@nudge/service';
import { callerOf } from '../../plugins/auth.js';
import { restrictTo } from '../audience.js';
import { closedObject, column, columns, errorResponses, uuidIdParams } from '../schemas.js';
import { timeRange, timeRangeQuery } from '../time-range.js';

const alertProperties = {
  ...columns(column.text, 'id', 'meeting_id', 'title'),
  ...columns(column.dateTime, 'starts_at', 'due_at'),
  escalate_at: column.nullableDateTime,
  state: { type: 'string', enum: ALERT_STATES },
  acknowledged_at: column.nullableDateTime,
  acknowledged_via: { type: ['string', 'null'], enum: ['push', 'web', 'phone', 'api', null] },
  created_at: column.dateTime,
} as const;

const alertSchema = closedObject(alertProperties);

const timelineEntrySchema = closedObject({
  at: column.dateTime,
  kind: column.text,
  detail: { type: 'object', additionalProperties: true },
});

const alertWithTimelineSchema = closedObject({
  ...alertProperties,
  timeline: { type: 'array', items: timelineEntrySchema },
});

type Alert = ReplyOf<typeof alertSchema>;

/** The caller's alerts, each with its timeline, and acknowledgement. */
export async function alertRoutes(app: HttpApp, options: { sql: Sql; clock: Clock }): Promise<void> {
  const { sql, clock } = options;
  restrictTo(app, 'callers');

  const selectAlerts = (userId: string) => sql`
    select a.id, a.meeting_id, m.title, m.starts_at, a.due_at, a.escalate_at, a.state, a.acknowledged_at, a.acknowledged_via, a.created_at
    from alerts a join meetings m on m.id = a.meeting_id
    where a.user_id = ${userId}`;

  app.get(
    '/v1/alerts',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { state: { type: 'string', enum: ALERT_STATES }, ...timeRangeQuery },
        },
        response: { 200: { type: 'array', items: alertSchema }, ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = callerOf(request);
      const { from, to } = timeRange(request.query, clock.now(), { backDays: 1, aheadDays: 14 });
      return sql<Alert[]>`
        ${selectAlerts(userId)} and a.due_at >= ${from} and a.due_at < ${to}
          and (${request.query.state ?? null}::text is null or a.state = ${request.query.state ?? null})
        order by a.due_at
        limit 1000`;
    },
  );

  app.get(
    '/v1/alerts/:id',
    { schema: { params: uuidIdParams, response: { 200: alertWithTimelineSchema, ...errorResponses } } },
    async (request) => {
      const { userId } = callerOf(request);
      const [alert] = await sql<Alert[]>`${selectAlerts(userId)} and a.id = ${request.params.id}`;
      if (alert === undefined) throw notFound('alert');
      const timeline = await sql<
        ReplyOf<typeof timelineEntrySchema>[]
      >`select at, kind, detail from alert_events where alert_id = ${request.params.id} order by at, id`;
      return { ...alert, timeline };
    },
  );

  app.post(
    '/v1/alerts/:id/ack',
    {
      schema: {
        params: uuidIdParams,
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { via: { type: 'string', enum: ['web', 'api'] } },
        },
        response: { 200: alertSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = callerOf(request);
      const via = request.body?.via ?? 'api';
      const result = await acknowledgeAlert(sql, { alertId: request.params.id, userId, via });
      if (result.outcome === 'not_found') throw notFound('alert');
      if (result.outcome === 'conflict')
        throw conflict(`the alert is ${result.alert.state} and can no longer be acknowledged`);
      const [alert] = await sql<Alert[]>`${selectAlerts(userId)} and a.id = ${request.params.id}`;
      return alert;
    },
  );
}
