import type { PushConfig } from '@nudge/config';
import { registerSubscription, removeSubscription, type Registration } from '@nudge/alerts';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import { badRequest, HttpError, notFound, type HttpApp, type PushEndpointPolicy, type ReplyOf } from '@nudge/service';
import { callerOf } from '../../plugins/auth.js';
import { restrictTo } from '../audience.js';
import { getList } from '../list-route.js';
import { closedObject, column, columns, errorResponses, noContent, uuidIdParams } from '../schemas.js';
import { unstoredRegistration } from './unstored-registration.js';
import { canonicalKey, subscriptionKeysProblem } from './subscription-keys.js';

const subscriptionBody = {
  type: 'object',
  required: ['endpoint', 'keys'],
  // A browser's PushSubscription.toJSON(); other fields a browser may add are tolerated.
  properties: {
    endpoint: {
      type: 'string',
      minLength: 1,
      maxLength: 2048,
      description:
        'https on port 443 at a push service browsers use (FCM, Mozilla autopush, Apple, WNS) whose addresses are all public, or a host in PUSH_ENDPOINT_ALLOWED_HOSTS; anything else is 400 push_endpoint_refused',
    },
    expirationTime: { type: ['number', 'null'] },
    keys: {
      type: 'object',
      required: ['p256dh', 'auth'],
      properties: { p256dh: { type: 'string', maxLength: 200 }, auth: { type: 'string', maxLength: 100 } },
    },
  },
} as const;

const subscriptionSchema = closedObject({
  ...columns(column.text, 'id', 'endpoint'),
  user_agent: column.nullableText,
  is_active: column.boolean,
  created_at: column.dateTime,
  ...columns(column.nullableDateTime, 'last_success_at', 'deactivated_at'),
  deactivation_reason: column.nullableText,
});

const vapidKeySchema = closedObject({ public_key: { type: 'string' } });

/** The user's push subscriptions, active or not, oldest first. */
async function listSubscriptions(sql: Sql, userId: string): Promise<ReplyOf<typeof subscriptionSchema>[]> {
  return sql<ReplyOf<typeof subscriptionSchema>[]>`
    select id, endpoint, user_agent, is_active, created_at, last_success_at, deactivated_at, deactivation_reason
    from push_subscriptions where user_id = ${userId} order by created_at`;
}

/** Web Push: the VAPID public key browsers subscribe with, and the caller's subscriptions. */
export async function pushRoutes(
  app: HttpApp,
  options: {
    sql: Sql;
    clock: Clock;
    push: PushConfig;
    endpointPolicy: PushEndpointPolicy;
    maxSubscriptionsPerUser: number;
  },
): Promise<void> {
  const { sql, clock, push, endpointPolicy, maxSubscriptionsPerUser } = options;

  app.get('/v1/push/vapid-public-key', { schema: { response: { 200: vapidKeySchema } } }, async () => ({
    public_key: push.vapidPublicKey,
  }));

  app.register(async (member: HttpApp) => {
    restrictTo(member, 'callers');

    getList<typeof subscriptionSchema>(
      member,
      { url: '/v1/push/subscriptions', item: subscriptionSchema },
      async (caller) => listSubscriptions(sql, caller.userId),
    );

    member.post(
      '/v1/push/subscriptions',
      { schema: { body: subscriptionBody, response: { 201: subscriptionSchema, ...errorResponses } } },
      async (request, reply) => {
        const { endpoint, keys } = request.body;
        const problem = subscriptionKeysProblem(keys.p256dh, keys.auth);
        if (problem !== undefined) throw badRequest(problem.message, [problem]);
        const verdict = await endpointPolicy.check(endpoint);
        if (!verdict.allowed)
          throw new HttpError(400, 'push_endpoint_refused', verdict.reason, [
            { path: 'body/endpoint', message: verdict.reason },
          ]);
        const registration: Registration = {
          userId: callerOf(request).userId,
          endpoint: verdict.url.href,
          p256dh: canonicalKey(keys.p256dh),
          auth: canonicalKey(keys.auth),
          userAgent: request.headers['user-agent']?.slice(0, 500) ?? null,
        };
        // One status for "created" and "already yours" (and for a takeover that was refused).
        const saved = await registerSubscription(sql, registration, maxSubscriptionsPerUser);
        if (saved === undefined) {
          request.log.info(
            { event: 'push.subscription.claim_refused', user_id: registration.userId },
            'an endpoint registered by another user was posted with other keys; left with its owner',
          );
          return reply.status(201).send(unstoredRegistration(registration, clock.now()));
        }
        if (saved.replaced.length > 0) {
          request.log.info(
            { event: 'push.subscription.replaced', user_id: registration.userId, subscription_ids: saved.replaced },
            'older push subscriptions replaced by a newer one',
          );
        }
        return reply.status(201).send(saved.subscription);
      },
    );

    member.delete(
      '/v1/push/subscriptions/:id',
      { schema: { params: uuidIdParams, response: { 204: noContent, ...errorResponses } } },
      async (request, reply) => {
        if (!(await removeSubscription(sql, request.params.id, callerOf(request).userId)))
          throw notFound('push subscription');
        return reply.status(204).send(null);
      },
    );
  });
}
