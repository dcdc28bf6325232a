import type { FastifyInstance } from 'fastify';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import { errorBody, type Metrics } from '@nudge/service';
import { Counter } from 'prom-client';
import { acceptNotification, type NotificationOutcome } from '../../calendar/channel-notifications.js';
import { SyncWakeups } from '../../calendar/sync-wakeups.js';
import { errorResponses } from '../schemas.js';

export interface NotificationRouteOptions {
  sql: Sql;
  clock: Clock;
  metrics?: Metrics;
}

function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const STATUS: Record<NotificationOutcome, number> = {
  queued: 200,
  sync: 200,
  replayed: 200,
  unknown_channel: 404,
  mismatch: 404,
  malformed: 404,
};

/**
 * POST /v1/calendar/google/notifications: Google's push notifications (X-Goog-* headers, empty
 * body). Answers within one or two queries and never calls Google; anything that does not
 * match an open channel gets a 404 — to Google that means "stop", to a forger nothing — and is counted.
 */
export async function notificationRoutes(app: FastifyInstance, options: NotificationRouteOptions): Promise<void> {
  const counter =
    options.metrics === undefined
      ? undefined
      : new Counter({
          name: 'nudge_calendar_notifications_total',
          help: 'Google push notifications received, by outcome (queued, sync, replayed, unknown_channel, mismatch, malformed)',
          labelNames: ['outcome'] as const,
          registers: [options.metrics.registry],
        });
  const wakeups = new SyncWakeups(options.sql, app.log);
  app.addHook('onClose', async () => wakeups.settled());
  // Google sends no body; whatever content type a caller claims, the body is never read.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { bodyLimit: 1024 }, (_request, _payload, done) => done(null, undefined));

  app.post(
    '/v1/calendar/google/notifications',
    {
      bodyLimit: 1024,
      schema: {
        description:
          'Google Calendar push notifications (X-Goog-Channel-ID, -Token, X-Goog-Resource-ID, -State, X-Goog-Message-Number; no body). Called by Google, not by clients.',
        response: { 200: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const outcome = await acceptNotification(
        options.sql,
        {
          channelId: header(request.headers['x-goog-channel-id']),
          token: header(request.headers['x-goog-channel-token']),
          resourceId: header(request.headers['x-goog-resource-id']),
          resourceState: header(request.headers['x-goog-resource-state']),
          messageNumber: header(request.headers['x-goog-message-number']),
        },
        options.clock.now(),
        () => wakeups.request(),
      );
      counter?.inc({ outcome });
      const status = STATUS[outcome];
      if (status !== 200) {
        request.log.info(
          {
            event: 'calendar.notification.refused',
            outcome,
            channel_id: header(request.headers['x-goog-channel-id'])?.slice(0, 64),
          },
          `calendar notification refused: ${outcome}`,
        );
        return reply.status(404).send(errorBody('not_found', 'no such channel'));
      }
      return reply.status(200).send();
    },
  );
}
