import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { planAlerts } from '@nudge/alerts';
import { systemClock } from '@nudge/domain';
import { PushEndpointPolicy } from '@nudge/service';
import {
  capturingLogger,
  insertMeeting,
  insertUser,
  listenOnPort443,
  ScriptedResolver,
  type ConnectionCounter,
} from '@nudge/testkit';
import { dispatcherTestBed } from '../testing/dispatcher-test-bed.js';
import { sendPush } from './push-sender.js';
import { VapidHeaders } from './vapid-headers.js';

/**
 * The endpoint policy where it matters most: when the worker sends. A TCP listener on port 443
 * of a loopback address stands where the refused endpoints point; a name the test's resolver
 * answers for moves from a public address to that listener between registration and send.
 */
describe('push endpoint policy at send time', () => {
  let listener: ConnectionCounter;
  const { logger, lines } = capturingLogger('worker');
  const dns = new ScriptedResolver();
  beforeAll(async () => {
    listener = await listenOnPort443();
  });
  // Only the emulator, exactly as its endpoints are written, is trusted.
  const bed = dispatcherTestBed({
    logger,
    env: (push) => ({ PUSH_ENDPOINT_ALLOWED_HOSTS: push.allowedHostEntry }),
    resolve: dns.resolve,
    dispatcher: { concurrency: 8 },
  });
  afterAll(async () => {
    await listener.close();
  });

  /** A user with one working device at the emulator and one subscription at `endpoint`, and an alert due now. */
  async function dueAlertWith(endpoint: string) {
    const { userId } = await insertUser(bed.db.sql);
    const device = bed.push.subscribe(bed.pushConfig.vapidPublicKey);
    const bad = bed.push.subscribe(bed.pushConfig.vapidPublicKey);
    await bed.db
      .sql`insert into push_subscriptions (user_id, endpoint, p256dh, auth) values (${userId}, ${device.endpoint}, ${device.keys.p256dh}, ${device.keys.auth})`;
    const [row] = await bed.db.sql<{ id: string }[]>`
      insert into push_subscriptions (user_id, endpoint, p256dh, auth) values (${userId}, ${endpoint}, ${bad.keys.p256dh}, ${bad.keys.auth}) returning id`;
    const meetingId = await insertMeeting(bed.db.sql, userId, {
      startsAt: new Date(Date.now() + 5 * 60_000),
      title: 'Rebinding review',
    });
    await planAlerts(bed.db.sql, [meetingId], new Date());
    const [alert] = await bed.db.sql<{ id: string }[]>`select id from alerts where meeting_id = ${meetingId}`;
    return { device, subscriptionId: row!.id, alertId: alert!.id };
  }

  it('a name that was public at registration and points at loopback at send time is deactivated with endpoint_policy and never contacted', async () => {
    const host = 'rebind.notify.windows.com';
    const endpoint = `https://${host}/w/?token=abc`;
    dns.answer(host, '20.199.120.182');
    expect(await bed.policy.check(endpoint)).toMatchObject({ allowed: true, trusted: false });
    dns.answer(host, listener.host);

    const { device, subscriptionId, alertId } = await dueAlertWith(endpoint);
    await bed.push.messages.first((m) => m.endpoint === device.endpoint, 5_000);
    expect(await bed.pushSummary(alertId)).toEqual({ sent: 1, total: 2, expired_deactivated: 0, dead_lettered: 0 });

    expect(listener.connections).toBe(0);
    // Resolved once at registration and once for the send, whose answer was the one checked.
    expect(dns.lookups.get(host)).toBe(2);
    const [subscription] = await bed.db
      .sql`select is_active, deactivation_reason, deactivated_at from push_subscriptions where id = ${subscriptionId}`;
    expect(subscription).toEqual({
      is_active: false,
      deactivation_reason: 'endpoint_policy',
      deactivated_at: expect.any(Date),
    });
    const deliveries = await bed.db
      .sql`select status, attempt, error_message from deliveries where target_id = ${subscriptionId}`;
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
      await bed.push.messages.first((m) => m.endpoint === device.endpoint, 5_000);
      expect(await bed.pushSummary(alertId)).toMatchObject({ sent: 1, total: 2 });
      expect(listener.connections).toBe(before);
      const [subscription] = await bed.db
        .sql`select is_active, deactivation_reason from push_subscriptions where id = ${subscriptionId}`;
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
      const device = bed.push.subscribe();
      const outcome = await sendPush(
        { endpoint: `https://${listener.host}/push/x`, p256dh: device.keys.p256dh, auth: device.keys.auth },
        '{}',
        { ttlSeconds: 60, topic: 'control', urgency: 'high' },
        { vapid: new VapidHeaders(bed.pushConfig, systemClock), timeoutMs: 300, policy: trusting },
      );
      // The listener accepts TCP and never speaks TLS: the send times out, to be retried.
      expect(outcome.kind).toBe('retry');
      expect(listener.connections).toBeGreaterThan(before);
    } finally {
      trusting.close();
    }
  });
});
