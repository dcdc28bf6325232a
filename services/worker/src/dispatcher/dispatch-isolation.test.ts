import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { planAlerts } from '@nudge/alerts';
import {
  capturingLogger,
  ConnectionCounter,
  createLocalCertificates,
  eventually,
  insertMeeting,
  insertUser,
  type PushSubscriptionJson,
} from '@nudge/testkit';
import { dispatcherTestBed } from '../testing/dispatcher-test-bed.js';
import type { PushPayload } from './push-payload.js';
import { QUARANTINE_BASE_MS } from './retry-policy.js';

const SEND_TIMEOUT_MS = 1_000;
const PER_USER = 4;

/** Push endpoints that accept TCP and never answer, next to the push emulator. */
describe("one user's endpoints that never answer and everyone else's alerts", () => {
  /** Answers 201 and then one byte every 100 ms, never ending the response. */
  let trickle: Server;
  let trickleCaPem: string;
  let tricklePort: number;
  const blackHoles: ConnectionCounter[] = [];
  const { logger, lines } = capturingLogger('worker');

  beforeAll(async () => {
    const certificates = await createLocalCertificates(new Date(), 'Trickling push service CA');
    trickleCaPem = certificates.caPem;
    trickle = createServer({ key: certificates.key, cert: certificates.cert }, (req, res) => {
      req.resume();
      res.writeHead(201);
      const timer = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
    tricklePort = (trickle.address() as { port: number }).port;
  });
  // roleEnv trusts 127.0.0.1 (any port): the emulator and the local black holes. retryBaseMs 50
  // (the default here): without quarantine, a timed-out endpoint would be tried again within a few hundred ms.
  const bed = dispatcherTestBed({
    logger,
    extraCa: () => [trickleCaPem],
    sendTimeoutMs: SEND_TIMEOUT_MS,
    dispatcher: { perUserConcurrency: PER_USER },
  });
  afterAll(async () => {
    await Promise.all(blackHoles.map((b) => b.close()));
    trickle.closeAllConnections();
    await new Promise((resolve) => trickle.close(resolve));
  });

  async function blackHole(): Promise<ConnectionCounter> {
    const server = await ConnectionCounter.listen();
    blackHoles.push(server);
    return server;
  }

  /** A device's keys with an endpoint on `server`, which accepts the connection and says nothing. */
  function deadDevice(server: ConnectionCounter): PushSubscriptionJson {
    const device = bed.push.subscribe(bed.pushConfig.vapidPublicKey);
    return { ...device, endpoint: `https://127.0.0.1:${server.port}/push/${randomUUID()}` };
  }

  /** A user with these devices, inserted directly (as rows from before the per-user limit). */
  async function userWith(devices: PushSubscriptionJson[]): Promise<string> {
    const { userId } = await insertUser(bed.db.sql);
    for (const device of devices) {
      await bed.db
        .sql`insert into push_subscriptions (user_id, endpoint, p256dh, auth) values (${userId}, ${device.endpoint}, ${device.keys.p256dh}, ${device.keys.auth})`;
    }
    return userId;
  }

  /** Plans a meeting whose alert is due now: the dispatcher is woken by the planner's NOTIFY. */
  async function dueAlert(userId: string, title = 'Standup'): Promise<string> {
    const meetingId = await insertMeeting(bed.db.sql, userId, { startsAt: new Date(Date.now() + 5 * 60_000), title });
    await planAlerts(bed.db.sql, [meetingId], new Date());
    const [alert] = await bed.db.sql<{ id: string }[]>`select id from alerts where meeting_id = ${meetingId}`;
    return alert!.id;
  }

  it('a user with 40 endpoints that never answer holds at most 4 send slots; other users get their alerts within a second', async () => {
    const server = await blackHole();
    const hog = await userWith(Array.from({ length: 40 }, () => deadDevice(server)));
    await dueAlert(hog, 'Hog meeting');
    // The hog's sends are in flight and hang.
    await eventually(() => server.open >= PER_USER);

    const devices = Array.from({ length: 8 }, () => bed.push.subscribe(bed.pushConfig.vapidPublicKey));
    const planned = Date.now();
    for (const device of devices) await dueAlert(await userWith([device]));
    const messages = await Promise.all(
      devices.map((d) => bed.push.messages.first((m) => m.endpoint === d.endpoint, 10_000)),
    );
    const slowest = Math.max(...messages.map((m) => m.receivedAt.getTime())) - planned;

    expect(slowest).toBeLessThan(1_000);
    expect(server.open).toBeGreaterThan(0);
    expect(server.maxOpen).toBeLessThanOrEqual(PER_USER);
  });

  it('an endpoint that timed out is quarantined: not retried at full rate, and the next alert waits for it while other devices get it', async () => {
    const server = await blackHole();
    const dead = deadDevice(server);
    const alive = bed.push.subscribe(bed.pushConfig.vapidPublicKey);
    const userId = await userWith([dead, alive]);
    const first = await dueAlert(userId, 'First');
    await bed.push.messages.first((m) => m.endpoint === alive.endpoint, 5_000);
    await eventually(
      async () =>
        (
          await bed.db
            .sql`select 1 from push_subscriptions where endpoint = ${dead.endpoint} and quarantined_until is not null`
        ).length > 0,
    );
    const timedOutAt = Date.now();

    const [subscription] = await bed.db.sql<
      { id: string; consecutive_timeouts: number; quarantined_until: Date; is_active: boolean }[]
    >`
      select id, consecutive_timeouts, quarantined_until, is_active from push_subscriptions where endpoint = ${dead.endpoint}`;
    expect(subscription).toMatchObject({ consecutive_timeouts: 1, is_active: true });
    const quarantineMs = subscription!.quarantined_until.getTime() - timedOutAt;
    expect(quarantineMs).toBeGreaterThan(QUARANTINE_BASE_MS - 2_000);
    expect(quarantineMs).toBeLessThanOrEqual(QUARANTINE_BASE_MS);
    expect(
      lines.filter((l) => l.event === 'push.endpoint.quarantined' && l.subscription_id === subscription!.id),
    ).toEqual([expect.objectContaining({ level: 'info', consecutive_timeouts: 1 })]);
    // The retry waits for the quarantine, not for the 50 ms backoff.
    const retries = await bed.db.sql<{ attempt: number; status: string; not_before: Date }[]>`
      select attempt, status, not_before from deliveries where alert_id = ${first} and target_id = ${subscription!.id} order by attempt`;
    expect(retries.map((d) => [d.attempt, d.status])).toEqual([
      [1, 'failed'],
      [2, 'pending'],
    ]);
    expect(retries[1]!.not_before.getTime()).toBe(subscription!.quarantined_until.getTime());

    const second = await dueAlert(userId, 'Second');
    await bed.push.messages.first(
      (m) => m.endpoint === alive.endpoint && m.json<PushPayload>().title === 'Second',
      5_000,
    );
    const [waiting] = await bed.db.sql<{ status: string; not_before: Date }[]>`
      select status, not_before from deliveries where alert_id = ${second} and target_id = ${subscription!.id}`;
    expect(waiting).toEqual({ status: 'pending', not_before: subscription!.quarantined_until });
    const [notified] = await bed.db
      .sql`select detail from alert_events where alert_id = ${second} and kind = 'notified'`;
    expect(notified?.detail).toEqual({ subscriptions: 2, quarantined: 1 });

    // Well past every backoff the 50 ms retry policy alone would allow: still the one connection.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(server.connections).toBe(1);
  });

  it('an endpoint that answers a byte at a time is cut off at the send timeout and quarantined', async () => {
    const device = bed.push.subscribe(bed.pushConfig.vapidPublicKey);
    const endpoint = `https://127.0.0.1:${tricklePort}/push/${randomUUID()}`;
    const userId = await userWith([{ ...device, endpoint }]);
    const started = Date.now();
    const alertId = await dueAlert(userId, 'Trickled');
    await eventually(
      async () =>
        (
          await bed.db
            .sql`select 1 from push_subscriptions where endpoint = ${endpoint} and quarantined_until is not null`
        ).length > 0,
      { timeoutMs: 5_000 },
    );
    expect(Date.now() - started).toBeLessThan(SEND_TIMEOUT_MS + 2_000);
    const [first] = await bed.db
      .sql`select status, error_message from deliveries where alert_id = ${alertId} and attempt = 1`;
    expect(first).toEqual({ status: 'failed', error_message: `no complete answer within ${SEND_TIMEOUT_MS} ms` });
  });
});
