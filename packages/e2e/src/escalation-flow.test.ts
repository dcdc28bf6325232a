import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { planAlerts } from '@nudge/alerts';
import {
  alertTimeline,
  createTestDatabase,
  eventually,
  insertAlert,
  insertMeeting,
  insertUser,
  PushEmulator,
  RedisServer,
  roleEnv,
  startEscalationSetup,
  startRole,
  type RoleProcess,
  type TestDatabase,
  type TwilioEmulator,
} from '@nudge/testkit';

/**
 * Escalation through real processes: the worker places calls through the real twilio client at
 * the emulator, which plays Twilio against the real calls role.
 */
describe('escalation from push to phone, through real worker and calls processes', () => {
  let db: TestDatabase;
  let redis: RedisServer;
  let push: PushEmulator;
  let twilio: TwilioEmulator;
  let calls: RoleProcess;
  let worker: RoleProcess;
  let workerEnv: Record<string, string>;
  const started: RoleProcess[] = [];
  let phoneCounter = 0;

  async function startWorker(): Promise<RoleProcess> {
    return (await startRole('worker', workerEnv, { started })).process;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await RedisServer.start();
    push = await PushEmulator.start();
    const caFile = `${await mkdtemp(`${tmpdir()}/nudge-ca-`)}/push-ca.pem`;
    await writeFile(caFile, push.caPem);
    const escalation = await startEscalationSetup(redis.url);
    twilio = escalation.twilio;
    const { callsPort } = escalation;
    const shared: Record<string, string> = { ...roleEnv(db.url), ...escalation.env, NODE_EXTRA_CA_CERTS: caFile };
    const { REDIS_URL: _unused, ...callsEnv } = shared;
    calls = (await startRole('calls', callsEnv, { port: callsPort, started })).process;
    workerEnv = {
      ...shared,
      TWILIO_API_BASE_URL: twilio.url,
      ESCALATION_RECONCILE_INTERVAL_MS: '200',
      TWILIO_REQUEST_TIMEOUT_MS: '1000',
    };
    worker = await startWorker();
  });
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    await twilio.close();
    await push.close();
    await redis.stop();
    await db.drop();
  });

  async function userWithPhone(options: { device?: boolean } = {}) {
    phoneCounter += 1;
    const phone = `+1555800${String(phoneCounter).padStart(4, '0')}`;
    const { userId } = await insertUser(db.sql, { phone, phoneVerified: true, timezone: 'Europe/Berlin' });
    if (options.device === true) {
      const device = push.subscribe(workerEnv.VAPID_PUBLIC_KEY!);
      await db.sql`insert into push_subscriptions (user_id, endpoint, p256dh, auth) values (${userId}, ${device.endpoint}, ${device.keys.p256dh}, ${device.keys.auth})`;
    }
    return { userId, phone };
  }

  const timeline = (alertId: string) => alertTimeline(db.sql, alertId);
  const until = (check: () => Promise<boolean> | boolean, timeoutMs = 15_000) =>
    eventually(check, {
      timeoutMs,
      explain: () => `worker:\n${worker.output().slice(-3000)}\ncalls:\n${calls.output().slice(-3000)}`,
    });
  const hasEvent =
    (alertId: string, kind: string, match: (detail: Record<string, unknown>) => boolean = () => true) =>
    async () =>
      (await timeline(alertId)).some((e) => e.kind === kind && match(e.detail));
  const stateOf = async (alertId: string) =>
    (await db.sql`select state, acknowledged_via from alerts where id = ${alertId}`)[0];
  const callsTo = (phone: string) => twilio.calls.items.filter((call) => call.to === phone);

  it('a push nobody acknowledged becomes a call; pressing 1 acknowledges it, with the whole story on the timeline', async () => {
    const { userId, phone } = await userWithPhone({ device: true });
    const meetingId = await insertMeeting(db.sql, userId, {
      startsAt: new Date(Date.now() + 5 * 60_000),
      title: 'Budget review',
    });
    twilio.scriptCall(phone, { digits: ['1'], stepDelayMs: 50 });
    await planAlerts(db.sql, [meetingId], new Date());
    const [{ id: alertId } = { id: '' }] = await db.sql<
      { id: string }[]
    >`select id from alerts where meeting_id = ${meetingId}`;
    await until(hasEvent(alertId, 'pushed'));
    // The rule's escalate_after_seconds is at least 30: the test brings escalate_at forward instead of waiting.
    const [{ escalate_at: planned } = { escalate_at: null }] = await db.sql<
      { escalate_at: Date | null }[]
    >`select escalate_at from alerts where id = ${alertId}`;
    expect(planned).not.toBeNull();
    await db.sql`update alerts set escalate_at = now() where id = ${alertId}`;

    const call = await twilio.calls.first((c) => c.to === phone, 15_000);
    await call.finished;
    await until(hasEvent(alertId, 'call_status', (d) => d.status === 'completed'));
    expect(await stateOf(alertId)).toEqual({ state: 'acknowledged', acknowledged_via: 'phone' });
    expect(call.said[0]).toContain('Budget review starts at');
    expect(call.digitsSent).toEqual(['1']);
    const events = await timeline(alertId);
    expect(events.filter((e) => e.kind !== 'call_status').map((e) => e.kind)).toEqual([
      'created',
      'notified',
      'pushed',
      'escalated',
      'called',
      'acknowledged',
    ]);
    expect(events.filter((e) => e.kind === 'call_status').map((e) => e.detail.status)).toEqual([
      'initiated',
      'ringing',
      'in-progress',
      'completed',
    ]);
    expect(events.find((e) => e.kind === 'called')?.detail).toEqual({ call_sid: call.sid, attempt: 1 });
    expect(events.find((e) => e.kind === 'acknowledged')?.detail).toEqual({ via: 'phone', call_sid: call.sid });
    expect(
      await db.sql`select channel, attempt, status, provider_status from deliveries where alert_id = ${alertId} and channel = 'call'`,
    ).toEqual([{ channel: 'call', attempt: 1, status: 'completed', provider_status: 'completed' }]);
  }, 60_000);

  it('no answer, then a second attempt that is acknowledged', async () => {
    const { userId, phone } = await userWithPhone();
    const meetingId = await insertMeeting(db.sql, userId, { startsAt: new Date(Date.now() + 10 * 60_000) });
    twilio.scriptCall(phone, { answer: 'no-answer' });
    twilio.scriptCall(phone, { digits: [null, '1'] });
    const alertId = await insertAlert(db.sql, userId, {
      meetingId,
      escalateAt: new Date(),
      maxCallAttempts: 2,
      callRetrySeconds: 30,
    });
    await until(hasEvent(alertId, 'call_retry_scheduled'));
    expect((await timeline(alertId)).at(-1)?.detail).toMatchObject({ attempt: 2, after: 'no-answer' });
    await db.sql`update alerts set escalate_at = now() where id = ${alertId}`;
    await until(async () => (await stateOf(alertId))?.state === 'acknowledged');
    const placed = callsTo(phone);
    expect(placed).toHaveLength(2);
    // The second call's callee kept quiet through the first prompt and pressed 1 at the repeat.
    await placed[1]!.finished;
    expect(placed[1]!.said.filter((s) => s.includes('Press 1'))).toHaveLength(2);
    expect(placed[1]!.url).toMatch(/\?attempt=2$/);
    expect(
      await db.sql`select attempt, status, provider_status from deliveries where alert_id = ${alertId} and channel = 'call' order by attempt`,
    ).toEqual([
      { attempt: 1, status: 'failed', provider_status: 'no-answer' },
      { attempt: 2, status: 'completed', provider_status: 'completed' },
    ]);
  }, 60_000);

  it('a worker killed (-9) right after Twilio created the call: the next worker finds that call and never calls again', async () => {
    const { userId, phone } = await userWithPhone();
    const meetingId = await insertMeeting(db.sql, userId, { startsAt: new Date(Date.now() + 10 * 60_000) });
    // The create answer is held back: the call exists at Twilio, the worker has not learned its sid.
    twilio.delayCreateResponse(phone, 10_000);
    // Its callbacks come late too, so only the worker's reconciliation can tie the call to the attempt.
    twilio.scriptCall(phone, { answer: 'no-answer', stepDelayMs: 8_000 });
    const alertId = await insertAlert(db.sql, userId, { meetingId, escalateAt: new Date() });
    const call = await twilio.calls.first((c) => c.to === phone, 15_000);
    await worker.stop('SIGKILL');
    expect(await db.sql`select attempt, status, provider_ref from deliveries where alert_id = ${alertId}`).toEqual([
      { attempt: 1, status: 'processing', provider_ref: null },
    ]);

    worker = await startWorker();
    await until(hasEvent(alertId, 'called'), 20_000);
    expect((await timeline(alertId)).find((e) => e.kind === 'called')?.detail).toEqual({
      call_sid: call.sid,
      attempt: 1,
      reconciled: true,
    });
    await sleep(1_500);
    expect(callsTo(phone)).toHaveLength(1);
    expect(worker.events('escalation.call.reconciled')).toHaveLength(1);
  }, 60_000);
});
