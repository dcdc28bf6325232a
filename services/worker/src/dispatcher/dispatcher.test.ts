import { afterEach, describe, expect, it } from '@jest/globals';
import { hashCheckinToken, loadRule, planAlerts } from '@nudge/alerts';
import { capturingLogger, eventually, insertMeeting, insertUser, type PushMessage } from '@nudge/testkit';
import { dispatcherTestBed } from '../testing/dispatcher-test-bed.js';
import type { PushPayload } from './push-payload.js';

describe('alert dispatcher with the push emulator', () => {
  const { logger, lines } = capturingLogger('worker');
  const bed = dispatcherTestBed({ logger, dispatcher: { escalationEnabled: true } });

  afterEach(() => {
    lines.length = 0;
  });

  /** A user with `devices` subscribed browsers and a meeting whose alert is due now. */
  async function dueAlert(options: { devices?: number; title?: string; startsInMinutes?: number } = {}) {
    const { userId } = await insertUser(bed.db.sql, { timezone: 'Europe/Berlin' });
    const devices = Array.from({ length: options.devices ?? 1 }, () =>
      bed.push.subscribe(bed.pushConfig.vapidPublicKey),
    );
    for (const device of devices) {
      await bed.db
        .sql`insert into push_subscriptions (user_id, endpoint, p256dh, auth) values (${userId}, ${device.endpoint}, ${device.keys.p256dh}, ${device.keys.auth})`;
    }
    const startsAt = new Date(Date.now() + (options.startsInMinutes ?? 5) * 60_000);
    const meetingId = await insertMeeting(bed.db.sql, userId, { startsAt, title: options.title ?? 'Quarterly review' });
    // Planned now: the 10-minute default lead has begun, so it is due at once, and NOTIFY wakes the dispatcher.
    await planAlerts(bed.db.sql, [meetingId], new Date());
    const [alert] = await bed.db.sql<{ id: string }[]>`select id from alerts where meeting_id = ${meetingId}`;
    return { userId, devices, startsAt, alertId: alert!.id };
  }

  const stateOf = async (alertId: string) =>
    (await bed.db.sql`select state from alerts where id = ${alertId}`)[0]?.state as string;

  it('delivers a planned alert to every device, decrypted with the title, start time and check-in link', async () => {
    const started = Date.now();
    const { devices, startsAt, alertId } = await dueAlert({ devices: 2, title: 'Board meeting' });
    const messages: PushMessage[] = await Promise.all(
      devices.map((d) => bed.push.messages.first((m) => m.endpoint === d.endpoint, 5_000)),
    );
    // Woken by the planner's NOTIFY, not by its 30 s idle timer.
    expect(Date.now() - started).toBeLessThan(3_000);
    const payloads = messages.map((m) => m.json<PushPayload>());
    for (const payload of payloads) {
      expect(payload).toMatchObject({
        alert_id: alertId,
        title: 'Board meeting',
        starts_at: startsAt.toISOString(),
        url: `https://nudge.example.test/app/alerts/${alertId}`,
      });
      expect(payload.checkin_url).toMatch(/^https:\/\/nudge\.example\.test\/checkin\/[A-Za-z0-9_-]{32}$/);
    }
    expect(messages[0]).toMatchObject({
      urgency: 'high',
      topic: alertId.replaceAll('-', ''),
      vapid: { subject: 'mailto:ops@example.com' },
    });
    expect(messages[0]!.ttl).toBeGreaterThan(200);
    expect(messages[0]!.ttl).toBeLessThanOrEqual(300);

    const token = payloads[0]!.checkin_url!.split('/').at(-1)!;
    expect(await bed.db.sql`select alert_id from checkin_tokens where token_hash = ${hashCheckinToken(token)}`).toEqual(
      [{ alert_id: alertId }],
    );
    expect(await bed.pushSummary(alertId)).toEqual({ sent: 2, total: 2, expired_deactivated: 0, dead_lettered: 0 });
    expect(await stateOf(alertId)).toBe('notified');
    const timeline = await bed.db.sql`select kind from alert_events where alert_id = ${alertId} order by id`;
    expect(timeline.map((e) => e.kind)).toEqual(['created', 'notified', 'pushed']);
    const deliveries = await bed.db.sql`select status, attempt from deliveries where alert_id = ${alertId}`;
    expect(deliveries).toEqual([
      { status: 'completed', attempt: 1 },
      { status: 'completed', attempt: 1 },
    ]);
    expect(lines.filter((l) => l.event === 'push.dispatch.completed' && l.alert_id === alertId)).toEqual([
      expect.objectContaining({ level: 'info', sent: 2, total: 2, expired_deactivated: 0 }),
    ]);
  });

  it('re-uses one signed VAPID header instead of signing every message', async () => {
    const { devices } = await dueAlert({ devices: 3 });
    const messages = await Promise.all(
      devices.map((d) => bed.push.messages.first((m) => m.endpoint === d.endpoint, 5_000)),
    );
    const headers = new Set(
      bed.push.requests.items
        .filter((r) => devices.some((d) => d.endpoint === r.subject))
        .map((r) => r.headers.authorization),
    );
    expect(messages).toHaveLength(3);
    expect(headers.size).toBe(1);
  });

  it('deactivates a subscription the push service says is gone (410), at info level, and never sends to it again', async () => {
    const { devices, alertId, userId } = await dueAlert({ devices: 2 });
    const [gone, alive] = devices as [(typeof devices)[0], (typeof devices)[0]];
    // The first device unsubscribed before this alert went out.
    bed.push.unsubscribe(gone.endpoint);
    await bed.push.messages.first((m) => m.endpoint === alive.endpoint, 5_000);
    expect(await bed.pushSummary(alertId)).toEqual({ sent: 1, total: 2, expired_deactivated: 1, dead_lettered: 0 });
    const [row] = await bed.db
      .sql`select is_active, deactivation_reason from push_subscriptions where endpoint = ${gone.endpoint}`;
    expect(row).toEqual({ is_active: false, deactivation_reason: 'push service answered 410' });
    expect(lines.filter((l) => l.event === 'push.subscription.deactivated')).toEqual([
      expect.objectContaining({ level: 'info' }),
    ]);
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);

    const requestsBefore = bed.push.requests.items.filter((r) => r.subject === gone.endpoint).length;
    const meetingId = await insertMeeting(bed.db.sql, userId, {
      startsAt: new Date(Date.now() + 4 * 60_000),
      title: 'Next one',
    });
    await planAlerts(bed.db.sql, [meetingId], new Date());
    await bed.push.messages.first(
      (m) => m.endpoint === alive.endpoint && m.json<PushPayload>().title === 'Next one',
      5_000,
    );
    expect(bed.push.requests.items.filter((r) => r.subject === gone.endpoint)).toHaveLength(requestsBefore);
  });

  it('an alert whose every subscription is gone is still notified, with the reason, for escalation to take over', async () => {
    const { devices, alertId } = await dueAlert({ devices: 1 });
    bed.push.unsubscribe(devices[0]!.endpoint);
    expect(await bed.pushSummary(alertId)).toEqual({ sent: 0, total: 1, expired_deactivated: 1, dead_lettered: 0 });
    const [alert] = await bed.db.sql`select state, escalate_at from alerts where id = ${alertId}`;
    expect(alert?.state).toBe('notified');
    expect(alert?.escalate_at).toBeInstanceOf(Date);
  });

  it('a user without subscriptions gets a notified alert that says why', async () => {
    const { alertId } = await dueAlert({ devices: 0 });
    await eventually(async () => (await stateOf(alertId)) === 'notified');
    const [event] = await bed.db.sql`select detail from alert_events where alert_id = ${alertId} and kind = 'notified'`;
    expect(event?.detail).toEqual({ subscriptions: 0, reason: 'no active push subscription' });
  });

  it('retries after a 429 no sooner than its Retry-After, in a new attempt row', async () => {
    const { devices, alertId } = await dueAlert();
    const endpoint = devices[0]!.endpoint;
    bed.push.script(endpoint, { status: 429, retryAfterSeconds: 1 });
    const message = await bed.push.messages.first((m) => m.endpoint === endpoint, 8_000);
    expect(await bed.pushSummary(alertId)).toMatchObject({ sent: 1, total: 1 });
    const deliveries = await bed.db.sql<
      { attempt: number; status: string; error_message: string | null; created_at: Date }[]
    >`
      select attempt, status, error_message, created_at from deliveries where alert_id = ${alertId} order by attempt`;
    expect(deliveries.map((d) => [d.attempt, d.status])).toEqual([
      [1, 'failed'],
      [2, 'completed'],
    ]);
    expect(deliveries[0]?.error_message).toBe('push service answered 429');
    expect(message.receivedAt.getTime() - deliveries[0]!.created_at.getTime()).toBeGreaterThanOrEqual(1_000);
  });

  it('retries 5xx with backoff and dead-letters after the last attempt', async () => {
    const flaky = await dueAlert();
    bed.push.script(flaky.devices[0]!.endpoint, { status: 500 }, 2);
    await bed.push.messages.first((m) => m.endpoint === flaky.devices[0]!.endpoint, 8_000);
    expect(await bed.pushSummary(flaky.alertId)).toMatchObject({ sent: 1, total: 1 });
    expect(
      (await bed.db.sql`select status from deliveries where alert_id = ${flaky.alertId} order by attempt`).map(
        (d) => d.status,
      ),
    ).toEqual(['failed', 'failed', 'completed']);

    const broken = await dueAlert();
    bed.push.script(broken.devices[0]!.endpoint, { status: 503 }, Number.POSITIVE_INFINITY);
    expect(await bed.pushSummary(broken.alertId)).toEqual({
      sent: 0,
      total: 1,
      expired_deactivated: 0,
      dead_lettered: 1,
    });
    expect(
      (await bed.db.sql`select status from deliveries where alert_id = ${broken.alertId} order by attempt`).map(
        (d) => d.status,
      ),
    ).toEqual(['failed', 'failed', 'failed', 'dead_letter']);
    expect(lines.filter((l) => l.event === 'push.dead_letter')).toHaveLength(1);
  });

  it('expires instead of pushing when the meeting started before the alert could go out', async () => {
    const { userId } = await insertUser(bed.db.sql);
    const meetingId = await insertMeeting(bed.db.sql, userId, { startsAt: new Date(Date.now() - 60_000) });
    const rule = await loadRule(bed.db.sql, userId);
    // Planned while the meeting was upcoming and never sent, as after a long outage.
    const [alert] = await bed.db.sql<{ id: string }[]>`
      insert into alerts (user_id, meeting_id, rule_id, due_at) values (${userId}, ${meetingId}, ${rule.id}, now() - interval '11 minutes') returning id`;
    await bed.db.sql`select pg_notify('nudge_alerts_planned', ${new Date().toISOString()})`;
    await eventually(async () => (await stateOf(alert!.id)) === 'expired');
    const [event] = await bed.db
      .sql`select detail from alert_events where alert_id = ${alert!.id} and kind = 'expired'`;
    expect(event?.detail).toEqual({ reason: 'the meeting started before the alert was sent' });
  });
});
