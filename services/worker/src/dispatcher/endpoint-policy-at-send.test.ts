import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { planAlerts } from '@nudge/alerts';
import { pushFragment } from '@nudge/config';
import { systemClock } from '@nudge/domain';
import { PushEndpointPolicy } from '@nudge/service';
import {
  capturingLogger,
  ConnectionCounter,
  createTestDatabase,
  insertMeeting,
  insertUser,
  PushEmulator,
  roleEnv,
  ScriptedResolver,
  type TestDatabase,
} from '@nudge/testkit';
import { dispatcherOptions } from '../testing/dispatcher-options.js';
import { Dispatcher } from './dispatcher.js';
import { sendPush } from './push-sender.js';
import { VapidHeaders } from './vapid-headers.js';

/**
 * The endpoint policy where it matters most: when the worker sends. A TCP listener on port 443
 * of a loopback address stands where the refused endpoints point; a name the test's resolver
 * answers for moves from a public address to that listener between registration and send.
 */
describe('push endpoint policy at send time', () => {
  let db: TestDatabase;
  let push: PushEmulator;
  let listener: ConnectionCounter;
  let policy: PushEndpointPolicy;
  let dispatcher: Dispatcher;
  const { logger, lines } = capturingLogger('worker');
  const dns = new ScriptedResolver();
  const env = roleEnv('postgres://unused@127.0.0.1/unused');
  let pushConfig: ReturnType<typeof pushFragment>;

  beforeAll(async () => {
    push = await PushEmulator.start();
    // Any 127.x.y.z is loopback on Linux; a random one keeps parallel runs apart on port 443.
    listener = await ConnectionCounter.listen({
      host: `127.${randomInt(1, 255)}.${randomInt(1, 255)}.${randomInt(1, 255)}`,
      port: 443,
    });
    db = await createTestDatabase();
    // Only the emulator, exactly as its endpoints are written, is trusted.
    pushConfig = pushFragment({ ...env, PUSH_ENDPOINT_ALLOWED_HOSTS: push.allowedHostEntry });
    policy = new PushEndpointPolicy({
      allowedHosts: pushConfig.endpointAllowedHosts,
      resolve: dns.resolve,
      agentOptions: { ca: push.caPem },
    });
    dispatcher = new Dispatcher(
      dispatcherOptions(
        { sql: db.sql, logger, sender: { vapid: new VapidHeaders(pushConfig, systemClock), timeoutMs: 5_000, policy } },
        { concurrency: 8 },
      ),
    );
    await dispatcher.start();
  });
  afterAll(async () => {
    await dispatcher.stop();
    policy.close();
    await push.close();
    await listener.close();
    await db.drop();
  });

  /** A user with one working device at the emulator and one subscription at `endpoint`, and an alert due now. */
  async function dueAlertWith(endpoint: string) {
    const { userId } = await insertUser(db.sql);
    const device = push.subscribe(pushConfig.vapidPublicKey);
    const bad = push.subscribe(pushConfig.vapidPublicKey);
    await db.sql`insert into push_subscriptions (user_id, endpoint, p256dh, auth) values (${userId}, ${device.endpoint}, ${device.keys.p256dh}, ${device.keys.auth})`;
    const [row] = await db.sql<{ id: string }[]>`
      insert into push_subscriptions (user_id, endpoint, p256dh, auth) values (${userId}, ${endpoint}, ${bad.keys.p256dh}, ${bad.keys.auth}) returning id`;
    const meetingId = await insertMeeting(db.sql, userId, {
      startsAt: new Date(Date.now() + 5 * 60_000),
      title: 'Rebinding review',
    });
    await planAlerts(db.sql, [meetingId], new Date());
    const [alert] = await db.sql<{ id: string }[]>`select id from alerts where meeting_id = ${meetingId}`;
    return { device, subscriptionId: row!.id, alertId: alert!.id };
  }

  async function summaryOf(alertId: string): Promise<Record<string, number>> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [event] = await db.sql`select detail from alert_events where alert_id = ${alertId} and kind = 'pushed'`;
      if (event !== undefined) return event.detail as Record<string, number>;
      if (Date.now() > deadline) throw new Error('the alert was never summarised');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('a name that was public at registration and points at loopback at send time is deactivated with endpoint_policy and never contacted', async () => {
    const host = 'rebind.notify.windows.com';
    const endpoint = `https://${host}/w/?token=abc`;
    dns.answer(host, '20.199.120.182');
    expect(await policy.check(endpoint)).toMatchObject({ allowed: true, trusted: false });
    dns.answer(host, listener.host);

    const { device, subscriptionId, alertId } = await dueAlertWith(endpoint);
    await push.messages.first((m) => m.endpoint === device.endpoint, 5_000);
    expect(await summaryOf(alertId)).toEqual({ sent: 1, total: 2, expired_deactivated: 0, dead_lettered: 0 });

    expect(listener.connections).toBe(0);
    // Resolved once at registration and once for the send, whose answer was the one checked.
    expect(dns.lookups.get(host)).toBe(2);
    const [subscription] =
      await db.sql`select is_active, deactivation_reason, deactivated_at from push_subscriptions where id = ${subscriptionId}`;
    expect(subscription).toEqual({
      is_active: false,
      deactivation_reason: 'endpoint_policy',
      deactivated_at: expect.any(Date),
    });
    const deliveries =
      await db.sql`select status, attempt, error_message from deliveries where target_id = ${subscriptionId}`;
    expect(deliveries).toEqual([
      {
        status: 'failed',
        attempt: 1,
        error_message: `endpoint_policy: endpoint host ${host} resolves to a loopback address`,
      },
    ]);
    expect(lines.filter((l) => l.event === 'push.endpoint.refused')).toEqual([
      expect.objectContaining({ level: 'warn', alert_id: alertId, subscription_id: subscriptionId }),
    ]);
  });

  it.each([
    ['an address literal', (host: string) => `https://${host}/push/x`],
    [
      'an address literal in decimal',
      (host: string) => `https://${host.split('.').reduce((n, octet) => n * 256 + Number(octet), 0)}/push/x`,
    ],
    ['an address with the port written out', (host: string) => `https://${host}:443/push/x`],
    ['plain http', (host: string) => `http://${host}:443/push/x`],
  ])(
    'a stored endpoint that the policy refuses outright (%s, stored before the policy) is deactivated and never contacted',
    async (_name, endpointAt) => {
      const before = listener.connections;
      const { device, subscriptionId, alertId } = await dueAlertWith(endpointAt(listener.host));
      await push.messages.first((m) => m.endpoint === device.endpoint, 5_000);
      expect(await summaryOf(alertId)).toMatchObject({ sent: 1, total: 2 });
      expect(listener.connections).toBe(before);
      const [subscription] =
        await db.sql`select is_active, deactivation_reason from push_subscriptions where id = ${subscriptionId}`;
      expect(subscription).toEqual({ is_active: false, deactivation_reason: 'endpoint_policy' });
    },
  );

  it('the listener sees a connection when the operator trusts its address: the assertions above can fail', async () => {
    const trusting = new PushEndpointPolicy({
      allowedHosts: [{ host: listener.host, port: undefined }],
      resolve: dns.resolve,
    });
    try {
      const before = listener.connections;
      const device = push.subscribe();
      const outcome = await sendPush(
        { endpoint: `https://${listener.host}/push/x`, p256dh: device.keys.p256dh, auth: device.keys.auth },
        '{}',
        { ttlSeconds: 60, topic: 'control', urgency: 'high' },
        { vapid: new VapidHeaders(pushConfig, systemClock), timeoutMs: 300, policy: trusting },
      );
      // The listener accepts TCP and never speaks TLS: the send times out, to be retried.
      expect(outcome.kind).toBe('retry');
      expect(listener.connections).toBeGreaterThan(before);
    } finally {
      trusting.close();
    }
  });
});
