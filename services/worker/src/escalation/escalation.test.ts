import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { acknowledgeAlert } from '@nudge/alerts';
import { systemClock } from '@nudge/domain';
import { connectRedis, createMetrics, slackOpsAlerts, type Redis } from '@nudge/service';
import type { Registry } from 'prom-client';
import {
  alertTimeline,
  capturingLogger,
  createTestDatabase,
  eventually,
  freePort,
  insertAlert,
  insertMeeting,
  insertUser,
  RedisServer,
  TwilioEmulator,
  WebhookReceiver,
  type TestDatabase,
} from '@nudge/testkit';
import twilio from 'twilio';
import { createEscalation, type Escalation } from './escalation.js';
import { BaseUrlRequestClient } from '@nudge/service/twilio';

const FROM = '+15005550006';

describe('escalation: BullMQ jobs reconciled from Postgres, calls through the real twilio client', () => {
  let db: TestDatabase;
  let redisServer: RedisServer;
  let redis: Redis;
  let emulator: TwilioEmulator;
  let escalation: Escalation;
  let callsPublicUrl: string;
  let slack: WebhookReceiver;
  let registry: Registry;
  const { logger, lines } = capturingLogger('worker');
  let phoneCounter = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    redisServer = await RedisServer.start();
    emulator = await TwilioEmulator.start();
    // Nothing listens there: the emulator records its webhooks as unreachable, which these tests do not need.
    callsPublicUrl = `http://127.0.0.1:${await freePort()}`;
    redis = await connectRedis(redisServer.url, logger, 'escalation');
    slack = await WebhookReceiver.start();
    registry = createMetrics('worker').registry;
    escalation = createEscalation({
      sql: db.sql,
      logger,
      clock: systemClock,
      registry,
      ops: slackOpsAlerts({ sql: db.sql, webhookUrl: slack.url, logger, clock: systemClock, source: 'worker test' }),
      redis,
      redisUrl: redisServer.url,
      twilio: {
        accountSid: emulator.accountSid,
        authToken: emulator.authToken,
        fromNumber: FROM,
        apiBaseUrl: emulator.url,
      },
      callsPublicUrl,
      settings: {
        concurrency: 8,
        reconcileIntervalMs: 200,
        ringTimeoutSeconds: 20,
        twilioRequestTimeoutMs: 1_000,
        breakerHalfOpenMs: 1_000,
      },
    });
    escalation.start();
  });
  afterEach(() => {
    lines.length = 0;
  });
  afterAll(async () => {
    await escalation.stop();
    redis.disconnect();
    await emulator.close();
    await slack.close();
    await redisServer.stop();
    await db.drop();
  });

  /** A notified alert for a user with a phone of its own, escalating `inMs` from now. */
  async function waitingAlert(
    options: { inMs?: number; phone?: string | null; phoneVerified?: boolean; startsInMinutes?: number } = {},
  ) {
    phoneCounter += 1;
    const phone = options.phone === undefined ? `+1555700${String(phoneCounter).padStart(4, '0')}` : options.phone;
    const { userId } = await insertUser(db.sql, {
      phone,
      phoneVerified: options.phoneVerified ?? true,
      timezone: 'Europe/Berlin',
    });
    const meetingId = await insertMeeting(db.sql, userId, {
      startsAt: new Date(Date.now() + (options.startsInMinutes ?? 10) * 60_000),
      title: 'Design review',
    });
    const escalateAt = new Date(Date.now() + (options.inMs ?? 0));
    const alertId = await insertAlert(db.sql, userId, { meetingId, escalateAt });
    return { alertId, userId, phone: phone ?? '', escalateAt };
  }

  const callsTo = (phone: string) => emulator.calls.items.filter((call) => call.to === phone);
  const timeline = (alertId: string) => alertTimeline(db.sql, alertId);
  const until = (check: () => Promise<boolean> | boolean, timeoutMs = 10_000) => eventually(check, { timeoutMs });
  const hasEvent = (alertId: string, kind: string) => async () =>
    (await timeline(alertId)).some((e) => e.kind === kind);

  it('places the call at escalate_at with the TwiML URL, status callback, events and ring timeout, and records it', async () => {
    const { alertId, userId, phone, escalateAt } = await waitingAlert({ inMs: 1_500 });
    const call = await emulator.calls.first((c) => c.to === phone, 10_000);
    expect(call.createdAt.getTime()).toBeGreaterThanOrEqual(escalateAt.getTime() - 50);
    expect(call).toMatchObject({
      from: FROM,
      url: `${callsPublicUrl}/twilio/voice/alerts/${alertId}?attempt=1`,
      method: 'POST',
      statusCallback: `${callsPublicUrl}/twilio/status?alert_id=${alertId}&attempt=1`,
      statusCallbackEvents: ['initiated', 'ringing', 'answered', 'completed'],
      timeout: 20,
    });
    await until(hasEvent(alertId, 'called'));
    expect((await timeline(alertId)).map((e) => [e.kind, e.detail])).toEqual([
      ['escalated', { attempt: 1 }],
      ['called', { call_sid: call.sid, attempt: 1 }],
    ]);
    expect(
      await db.sql`select target_id, attempt, status, provider_ref, provider_status from deliveries where alert_id = ${alertId}`,
    ).toEqual([
      { target_id: userId, attempt: 1, status: 'processing', provider_ref: call.sid, provider_status: 'queued' },
    ]);
    expect((await db.sql`select state, escalate_at from alerts where id = ${alertId}`)[0]).toEqual({
      state: 'escalated',
      escalate_at: null,
    });
    expect(lines.filter((l) => l.event === 'escalation.call.placed' && l.alert_id === alertId)).toHaveLength(1);
  });

  it('an alert acknowledged by push before escalate_at is never called', async () => {
    const { alertId, phone } = await waitingAlert({ inMs: 800 });
    expect((await acknowledgeAlert(db.sql, { alertId, via: 'push' })).outcome).toBe('acknowledged');
    await sleep(1_800);
    expect(callsTo(phone)).toHaveLength(0);
    expect((await timeline(alertId)).map((e) => e.kind)).toEqual(['acknowledged']);
  });

  it('a user without a phone number: the timeline says why there is no call, and the alert expires when the meeting starts', async () => {
    const { alertId } = await waitingAlert({ phone: null });
    await until(hasEvent(alertId, 'escalation_skipped'));
    expect((await timeline(alertId))[0]).toEqual({
      kind: 'escalation_skipped',
      detail: { reason: 'the user has no phone number', attempt: 1 },
    });
    await db.sql`update meetings set starts_at = now() - interval '1 minute' where id = (select meeting_id from alerts where id = ${alertId})`;
    await until(hasEvent(alertId, 'expired'));
    expect((await db.sql`select state from alerts where id = ${alertId}`)[0]?.state).toBe('expired');
  });

  it('a number its owner has not verified is never called: the timeline says why, and the alert is not escalated', async () => {
    const { alertId, phone } = await waitingAlert({ phoneVerified: false });
    await until(hasEvent(alertId, 'escalation_skipped'));
    expect(await timeline(alertId)).toEqual([
      { kind: 'escalation_skipped', detail: { reason: 'the user has not verified their phone number', attempt: 1 } },
    ]);
    // Nothing retries it: the reconciler sees no escalate_at, and no delivery was recorded.
    await sleep(1_500);
    expect(callsTo(phone)).toHaveLength(0);
    expect(await db.sql`select 1 from deliveries where alert_id = ${alertId}`).toHaveLength(0);
    expect((await db.sql`select state, escalate_at from alerts where id = ${alertId}`)[0]).toEqual({
      state: 'notified',
      escalate_at: null,
    });
    expect(
      lines.some(
        (line) =>
          line.event === 'escalation.call.skipped' && line.reason === 'the user has not verified their phone number',
      ),
    ).toBe(true);
  });

  it('an invalid number fails the alert at once with the provider code and message', async () => {
    const { alertId, phone } = await waitingAlert();
    emulator.failCreate(phone, { status: 400, code: 21211, message: `Invalid 'To' Phone Number: ${phone}` });
    await until(hasEvent(alertId, 'failed'));
    expect((await timeline(alertId)).at(-1)).toEqual({
      kind: 'failed',
      detail: {
        reason: 'Twilio rejected the call',
        attempt: 1,
        provider_status: 400,
        provider_code: 21211,
        provider_message: `Invalid 'To' Phone Number: ${phone}`,
      },
    });
    expect((await db.sql`select state from alerts where id = ${alertId}`)[0]?.state).toBe('failed');
    expect(await db.sql`select status, error_message from deliveries where alert_id = ${alertId}`).toEqual([
      { status: 'failed', error_message: `21211: Invalid 'To' Phone Number: ${phone}` },
    ]);
    await sleep(500);
    expect(callsTo(phone)).toHaveLength(0);
    expect(lines.filter((l) => l.event === 'escalation.call.rejected' && l.alert_id === alertId)).toEqual([
      expect.objectContaining({ code: 21211, status: 400 }),
    ]);
  });

  it('Twilio answering 500 three times opens the breaker, which probes later and closes: the call is placed once', async () => {
    const { alertId, phone } = await waitingAlert();
    emulator.failCreate(phone, { status: 500, code: 20500, message: 'Internal Server Error' }, 3);
    await until(() => lines.some((l) => l.event === 'escalation.breaker.opened'));
    expect(callsTo(phone)).toHaveLength(0);
    await until(() => callsTo(phone).length === 1, 15_000);
    await until(hasEvent(alertId, 'called'));
    await until(() => lines.some((l) => l.event === 'escalation.breaker.closed'));
    await sleep(500);
    expect(callsTo(phone)).toHaveLength(1);
    expect(lines.filter((l) => l.event === 'escalation.breaker.opened')).toHaveLength(1);
    expect(lines.filter((l) => l.event === 'escalation.breaker.closed')).toHaveLength(1);
    expect((await timeline(alertId)).map((e) => e.kind)).toEqual(['escalated', 'called']);
    // Operators hear of it once; the gauge says it closed again.
    expect(slack.received.items.map((r) => (JSON.parse(r.text) as { text: string }).text)).toEqual([
      ':rotating_light: *Nudge* (worker test): the Twilio circuit breaker opened: escalation calls are paused',
    ]);
    expect(await registry.getSingleMetricAsString('nudge_circuit_breaker_open')).toContain(
      'nudge_circuit_breaker_open{provider="twilio",role="worker"} 0',
    );
  });

  it('Redis FLUSHALL while jobs wait: every call is still placed once, at its time', async () => {
    const alerts = await Promise.all([2_000, 2_200, 2_400, 2_600].map((inMs) => waitingAlert({ inMs })));
    await sleep(600); // the reconciler has queued their delayed jobs
    await redisServer.flushAll();
    for (const alert of alerts) {
      const call = await emulator.calls.first((c) => c.to === alert.phone, 10_000);
      expect(call.createdAt.getTime()).toBeGreaterThanOrEqual(alert.escalateAt.getTime() - 50);
      // On time: the reconciler re-created the job well ahead of its due time.
      expect(call.createdAt.getTime() - alert.escalateAt.getTime()).toBeLessThan(1_000);
    }
    await sleep(1_000);
    for (const alert of alerts) expect(callsTo(alert.phone)).toHaveLength(1);
  });

  it('Redis stopped at the due time: the call is placed once Redis returns (empty)', async () => {
    const { alertId, phone } = await waitingAlert({ inMs: 500 });
    await sleep(100);
    await redisServer.stop();
    await sleep(2_000);
    expect(callsTo(phone)).toHaveLength(0);
    await redisServer.restart();
    await emulator.calls.first((c) => c.to === phone, 15_000);
    await until(hasEvent(alertId, 'called'));
    await sleep(500);
    expect(callsTo(phone)).toHaveLength(1);
  });

  it('an attempt recorded without a CallSid (its worker died after creating the call) adopts that call instead of calling again', async () => {
    const { alertId, userId, phone } = await waitingAlert({ inMs: 60 * 60_000 });
    // What the dead worker did: recorded attempt 1, created the call, died before recording the sid.
    await db.sql`update alerts set state = 'escalated', escalate_at = null where id = ${alertId}`;
    await db.sql`
      insert into deliveries (alert_id, channel, target_id, attempt, status, attempts, last_attempt_at, created_at)
      values (${alertId}, 'call', ${userId}, 1, 'processing', 1, now() - interval '5 seconds', now() - interval '5 seconds')`;
    const client = twilio(emulator.accountSid, emulator.authToken, {
      httpClient: new BaseUrlRequestClient(emulator.url, {}),
    });
    const placed = await client.calls.create({
      to: phone,
      from: FROM,
      url: `${callsPublicUrl}/twilio/voice/alerts/${alertId}?attempt=1`,
    });
    await until(hasEvent(alertId, 'called'));
    expect((await timeline(alertId)).at(-1)).toEqual({
      kind: 'called',
      detail: { call_sid: placed.sid, attempt: 1, reconciled: true },
    });
    await sleep(500);
    expect(callsTo(phone)).toHaveLength(1);
    expect(lines.filter((l) => l.event === 'escalation.call.reconciled' && l.alert_id === alertId)).toHaveLength(1);
  });
});
