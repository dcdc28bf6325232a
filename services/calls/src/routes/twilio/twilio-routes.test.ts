import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMetrics } from '@nudge/service';
import { createTestDatabase, signTwilioWebhook, type TestDatabase } from '@nudge/testkit';
import type { FastifyInstance } from 'fastify';
import { CALLS_PUBLIC_URL as PUBLIC_URL, callsTestEnv, startCallsApp } from '../../testing/calls-under-test.js';
import { insertEscalatedAlert } from '../../testing/escalated-alert.js';

describe('calls role: Twilio webhooks', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let base: string;
  const env = callsTestEnv();
  const token = env.TWILIO_AUTH_TOKEN!;
  const metrics = createMetrics('calls');

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app, base } = await startCallsApp({ env, databaseUrl: db.url, sql: db.sql, metrics }));
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  /** A user in Berlin whose alert was escalated: attempt 1 recorded as the worker records it, `sid` placed. */
  async function escalatedAlert(
    options: { startsAt?: Date; maxCallAttempts?: number; sid?: string | null; attempt?: number } = {},
  ) {
    const { userId, alertId } = await insertEscalatedAlert(db.sql, {
      startsAt: options.startsAt,
      maxCallAttempts: options.maxCallAttempts ?? 2,
      callRetrySeconds: 60,
    });
    const sid = options.sid === undefined ? `CA${alertId.replaceAll('-', '')}` : options.sid;
    await db.sql`
      insert into deliveries (alert_id, channel, target_id, attempt, status, attempts, last_attempt_at, provider_ref)
      values (${alertId}, 'call', ${userId}, ${options.attempt ?? 1}, 'processing', 1, now(), ${sid})`;
    return { alertId, userId, sid: sid ?? `CA${alertId.replaceAll('-', '')}` };
  }

  /** Over real HTTP to the app on loopback, signed as Twilio signs for the public URL (or as given). */
  async function post(
    path: string,
    params: Record<string, string>,
    signature: string | null = signTwilioWebhook(`${PUBLIC_URL}${path}`, params, token),
  ) {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      body: new URLSearchParams(params).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature === null ? {} : { 'x-twilio-signature': signature }),
      },
    });
    const body = await response.text();
    return {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers),
      body,
      json: () => JSON.parse(body) as unknown,
    };
  }

  const status = (sid: string, callStatus: string, query = '') =>
    post(`/twilio/status${query}`, { CallSid: sid, CallStatus: callStatus, AccountSid: env.TWILIO_ACCOUNT_SID! });
  const alertRow = async (id: string) =>
    (await db.sql`select state, escalate_at, acknowledged_via from alerts where id = ${id}`)[0]!;
  const timeline = async (id: string) =>
    db.sql<
      { kind: string; detail: Record<string, unknown> }[]
    >`select kind, detail from alert_events where alert_id = ${id} order by id`;

  it('answers the call with TwiML: the meeting and its start in the user timezone, a one-digit Gather said twice, then goodbye', async () => {
    const { alertId } = await escalatedAlert({ startsAt: new Date('2030-01-15T09:00:00Z') });
    const response = await post(`/twilio/voice/alerts/${alertId}?attempt=1`, {
      CallSid: 'CA1',
      CallStatus: 'in-progress',
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/xml/);
    const twiml = response.body;
    expect(twiml).toContain('Quarterly review starts at 10:00 AM');
    const gathers = twiml.match(/<Gather [^>]*>/g) ?? [];
    expect(gathers).toHaveLength(2);
    expect(gathers[0]).toContain('numDigits="1"');
    expect(gathers[0]).toContain(`action="${PUBLIC_URL}/twilio/voice/alerts/${alertId}/gather?attempt=1"`);
    expect(twiml).toContain('Press 1 to acknowledge');
    expect(twiml).toMatch(/Goodbye\.<\/Say><Hangup\/><\/Response>$/);
  });

  it('refuses a call URL whose attempt or alert id is malformed with 400, before any database work', async () => {
    const { alertId } = await escalatedAlert();
    for (const path of [
      `/twilio/voice/alerts/${alertId}?attempt=0`,
      `/twilio/voice/alerts/${alertId}/gather?attempt=x`,
      '/twilio/status?alert_id=nope&attempt=1',
    ]) {
      const response = await post(path, { CallSid: 'CA1', CallStatus: 'ringing', Digits: '1' });
      expect(response.statusCode).toBe(400);
    }
    expect(await alertRow(alertId)).toMatchObject({ state: 'escalated' });
  });

  it('tells the callee when the alert is already acknowledged, and hangs up', async () => {
    const { alertId } = await escalatedAlert();
    await db.sql`update alerts set state = 'acknowledged' where id = ${alertId}`;
    const response = await post(`/twilio/voice/alerts/${alertId}`, { CallSid: 'CA2' });
    expect(response.body).toContain('already acknowledged');
    expect(response.body).not.toContain('<Gather');
  });

  it('pressing 1 acknowledges the alert via phone and confirms; another digit prompts again', async () => {
    const { alertId, sid } = await escalatedAlert();
    const other = await post(`/twilio/voice/alerts/${alertId}/gather?attempt=1`, { CallSid: sid, Digits: '7' });
    expect(other.body).toContain('<Gather');
    expect(other.body).toContain('not 1');
    expect((await alertRow(alertId)).state).toBe('escalated');

    const pressed = await post(`/twilio/voice/alerts/${alertId}/gather?attempt=1`, { CallSid: sid, Digits: '1' });
    expect(pressed.body).toContain('acknowledged');
    expect(pressed.body).toContain('<Hangup/>');
    expect(await alertRow(alertId)).toMatchObject({ state: 'acknowledged', acknowledged_via: 'phone' });
    expect((await timeline(alertId)).at(-1)).toEqual({ kind: 'acknowledged', detail: { via: 'phone', call_sid: sid } });
  });

  it('refuses a forged, missing or Host-based signature with 403 in the error format, and changes nothing', async () => {
    const { alertId, sid } = await escalatedAlert();
    const path = `/twilio/voice/alerts/${alertId}/gather`;
    const params = { CallSid: sid, Digits: '1' };
    const forged = await post(path, params, signTwilioWebhook(`${PUBLIC_URL}${path}`, params, 'not-the-token'));
    const missing = await post(path, params, null);
    // Signed for the URL the request reached (its Host header), not the public one Twilio was given.
    const hostBased = await post(path, params, signTwilioWebhook(`http://localhost:80${path}`, params, token));
    const tampered = await post(
      path,
      { ...params, Digits: '1' },
      signTwilioWebhook(`${PUBLIC_URL}${path}`, { ...params, Digits: '2' }, token),
    );
    const forgedStatus = await post('/twilio/status', { CallSid: sid, CallStatus: 'busy' }, 'bogus');
    for (const response of [forged, missing, hostBased, tampered, forgedStatus]) {
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({
        error: { code: 'forbidden', message: expect.stringContaining('X-Twilio-Signature') },
      });
    }
    expect(await alertRow(alertId)).toMatchObject({ state: 'escalated', acknowledged_via: null });
    expect(await db.sql`select 1 from processed_webhook_events where event_id like ${`${sid}%`}`).toHaveLength(0);
    expect((await timeline(alertId)).length).toBe(0);
  });

  it('checks the signature before the parameters: an unsigned request with a malformed alert id is a 403, a signed one a 400', async () => {
    const unsigned = await post('/twilio/voice/alerts/not-an-alert/gather', { Digits: '1' }, 'forged');
    expect(unsigned.statusCode).toBe(403);
    expect(unsigned.body).not.toContain('alertId');
    const signed = await post('/twilio/voice/alerts/not-an-alert/gather', { Digits: '1' });
    expect(signed.statusCode).toBe(400);
    expect(signed.json()).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('processes duplicated and reordered status callbacks once each, and never moves a call backwards', async () => {
    const { alertId, sid } = await escalatedAlert();
    await db.sql`update alerts set state = 'acknowledged' where id = ${alertId}`;
    for (const callStatus of [
      'initiated',
      'initiated',
      'completed',
      'ringing',
      'in-progress',
      'completed',
      'ringing',
    ]) {
      expect((await status(sid, callStatus)).statusCode).toBe(204);
    }
    const [call] =
      await db.sql`select status, provider_status, completed_at from deliveries where provider_ref = ${sid}`;
    expect(call).toMatchObject({ status: 'completed', provider_status: 'completed' });
    const statuses = (await timeline(alertId)).filter((e) => e.kind === 'call_status').map((e) => e.detail.status);
    expect(statuses).toEqual(['initiated', 'completed']);
    expect(
      await db.sql`select event_id from processed_webhook_events where provider = 'twilio' and event_id like ${`${sid}%`} order by event_id`,
    ).toHaveLength(4);
    expect((await alertRow(alertId)).state).toBe('acknowledged');
  });

  it('a callback that arrives before the worker recorded the CallSid is tied to the attempt named in its URL', async () => {
    const { alertId } = await escalatedAlert({ sid: null });
    const sid = 'CA0123456789abcdef0123456789abcdef';
    await status(sid, 'initiated', `?alert_id=${alertId}&attempt=1`);
    expect(await db.sql`select provider_ref, provider_status from deliveries where alert_id = ${alertId}`).toEqual([
      { provider_ref: sid, provider_status: 'initiated' },
    ]);
  });

  it('busy schedules the next attempt after call_retry_seconds; no-answer on the last attempt fails the alert with the reason', async () => {
    const { alertId, sid, userId } = await escalatedAlert({ maxCallAttempts: 2 });
    const before = Date.now();
    await status(sid, 'busy');
    const retried = await alertRow(alertId);
    expect(retried.state).toBe('escalated');
    expect((retried.escalate_at as Date).getTime()).toBeGreaterThanOrEqual(before + 59_000);
    expect((await timeline(alertId)).at(-1)).toMatchObject({
      kind: 'call_retry_scheduled',
      detail: { attempt: 2, after: 'busy' },
    });
    expect(await db.sql`select status, error_message from deliveries where provider_ref = ${sid}`).toEqual([
      { status: 'failed', error_message: 'call busy' },
    ]);

    const second = `${sid.slice(0, -1)}2`;
    await db.sql`insert into deliveries (alert_id, channel, target_id, attempt, status, provider_ref) values (${alertId}, 'call', ${userId}, 2, 'processing', ${second})`;
    await status(second, 'no-answer');
    expect((await alertRow(alertId)).state).toBe('failed');
    expect((await timeline(alertId)).at(-1)).toMatchObject({
      kind: 'failed',
      detail: { attempt: 2, last_status: 'no-answer', reason: expect.stringContaining('no attempts left') },
    });
  });

  it('counts applied callbacks by status in nudge_calls_total', async () => {
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/nudge_calls_total\{status="completed",role="calls"\} \d+/);
  });
});
