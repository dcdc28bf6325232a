import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { parseApiConfig, parseCallsConfig } from '@nudge/config';
import { createMetrics } from '@nudge/service';
import { buildCallsApp } from '@nudge/calls';
import {
  capturingLogger,
  createTestDatabase,
  roleEnv,
  signTwilioWebhook,
  startEscalationSetup,
  verificationCodeSaid,
  type EmulatedCall,
  type TestDatabase,
  type TwilioEmulator,
} from '@nudge/testkit';
import { buildApiApp } from '../../app.js';
import { createUser } from '../../orgs/create-user.js';
import { newOrg } from '../../testing/api-under-test.js';

/** The code as the callee heard it from the calls role's TwiML. */
function codeHeard(call: EmulatedCall): string {
  const code = verificationCodeSaid(call);
  if (code === undefined) throw new Error(`no code in what the call said: ${JSON.stringify(call.said)}`);
  return code;
}

describe('verified phone numbers', () => {
  let db: TestDatabase;
  let twilio: TwilioEmulator;
  let api: FastifyInstance;
  let smsApi: FastifyInstance;
  let calls: FastifyInstance;
  let base: string;
  let smsBase: string;
  let callsUrl: string;
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  const apiLog = capturingLogger('api');
  const callsLog = capturingLogger('calls');
  let adminToken: string;
  let fromNumber: string;
  let orgId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const escalation = await startEscalationSetup('redis://127.0.0.1:1');
    ({ twilio, callsUrl } = escalation);
    const { callsPort } = escalation;
    fromNumber = escalation.env.TWILIO_FROM_NUMBER;
    const env = { ...roleEnv(db.url), ...escalation.env, TWILIO_API_BASE_URL: escalation.twilio.url };
    calls = await buildCallsApp({
      config: parseCallsConfig(env),
      sql: db.sql,
      logger: callsLog.logger,
      metrics: createMetrics('calls'),
      clock,
    });
    await calls.listen({ host: '127.0.0.1', port: callsPort });
    api = await buildApiApp({
      config: parseApiConfig(env),
      clock,
      sql: db.sql,
      logger: apiLog.logger,
      metrics: createMetrics('api'),
    });
    base = await api.listen({ host: '127.0.0.1', port: 0 });
    smsApi = await buildApiApp({
      config: parseApiConfig({ ...env, TWILIO_VERIFY_CHANNEL: 'sms' }),
      clock,
      sql: db.sql,
      logger: apiLog.logger,
      metrics: createMetrics('api'),
    });
    smsBase = await smsApi.listen({ host: '127.0.0.1', port: 0 });
    const admin = await newOrg(db, { phone: null });
    adminToken = admin.token;
    orgId = admin.orgId;
  });
  afterAll(async () => {
    await Promise.all([api.close(), smsApi.close(), calls.close()]);
    await twilio.close();
    await db.drop();
  });

  let phoneCounter = 0;
  const newNumber = () => `+1555900${String((phoneCounter += 1)).padStart(4, '0')}`;

  /** A member of Acme with their own token and (unverified) number. */
  async function member(phone: string | null = newNumber()) {
    const { user, token } = await createUser(db.sql, {
      orgId,
      email: `m-${randomBytes(4).toString('hex')}@acme.test`,
      name: 'Member',
      phoneE164: phone,
      timezone: 'UTC',
      role: 'member',
    });
    return { userId: user.id, token, phone: phone ?? '' };
  }

  async function call(token: string, path: string, init: { method?: string; body?: unknown; base?: string } = {}) {
    const response = await fetch(`${init.base ?? base}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text === '' ? undefined : JSON.parse(text)) as Record<string, any>,
    };
  }
  const requestCode = (token: string, base_?: string) =>
    call(token, '/v1/me/phone/verifications', { method: 'POST', ...(base_ === undefined ? {} : { base: base_ }) });
  const confirm = (token: string, code: string) =>
    call(token, '/v1/me/phone/verifications/confirm', { method: 'POST', body: { code } });
  /** The verification call to `phone`, once it has ended. */
  async function finishedCallTo(phone: string, nth = 0): Promise<EmulatedCall> {
    await twilio.calls.until((items) => items.filter((c) => c.to === phone).length > nth, 10_000);
    const placed = twilio.calls.items.filter((c) => c.to === phone)[nth]!;
    await placed.finished;
    return placed;
  }

  it('calls the number, reads the code from TwiML the calls role serves under a Twilio signature, and verifies it', async () => {
    const { token, phone, userId } = await member();
    const started = await requestCode(token);
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ phone_e164: phone, channel: 'call' });
    expect(new Date(started.body.expires_at).getTime() - Date.now()).toBeGreaterThan(9 * 60_000);

    const placed = await finishedCallTo(phone);
    expect(placed.url).toBe(`${callsUrl}/twilio/voice/verifications/${started.body.id}`);
    const twiml = placed.webhooks.items.find((w) => w.kind === 'voice');
    expect(twiml?.status).toBe(200);
    const code = codeHeard(placed);
    expect(placed.url).not.toContain(code);

    expect((await call(token, '/v1/me')).body.phone_verified_at).toBeNull();
    const verified = await confirm(token, `${code.slice(0, 3)} ${code.slice(3)}`);
    expect(verified.status).toBe(200);
    expect(verified.body.phone_verified_at).not.toBeNull();
    expect((await call(token, '/v1/me')).body).toMatchObject({
      phone_e164: phone,
      phone_verified_at: verified.body.phone_verified_at,
    });

    // Only keyed hashes of the code and the number are stored, and the code is in no log line of either role.
    const [row] = await db.sql`select * from phone_verifications where user_id = ${userId}`;
    expect(row!.code_hash).not.toContain(code);
    expect(JSON.stringify(row)).not.toContain(phone.slice(1));
    expect(row!.verified_at).not.toBeNull();
    expect(JSON.stringify(apiLog.lines)).not.toContain(code);
    expect(JSON.stringify(callsLog.lines)).not.toContain(code);
    expect(apiLog.lines.some((l) => l.event === 'phone.verification.verified')).toBe(true);

    // Done: the same code cannot be used again, and no new code is sent for a verified number.
    expect((await confirm(token, code)).status).toBe(404);
    expect((await requestCode(token)).body.error.code).toBe('phone_already_verified');
  });

  it('texts the code when TWILIO_VERIFY_CHANNEL=sms', async () => {
    const { token, phone } = await member();
    const started = await requestCode(token, smsBase);
    expect(started.status).toBe(201);
    expect(started.body.channel).toBe('sms');
    const [text] = await twilio.messages.until((items) => items.some((m) => m.to === phone));
    const message = twilio.messages.items.find((m) => m.to === phone)!;
    expect(text).toBeDefined();
    expect(message.from).toBe(fromNumber);
    const code = /code is (\d{6})/.exec(message.body)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    expect(twilio.calls.items.some((c) => c.to === phone)).toBe(false);
    expect((await confirm(token, code!)).status).toBe(200);
  });

  it('refuses a wrong code five times, then even the right one, until a new code is asked for', async () => {
    const { token, phone } = await member();
    await requestCode(token);
    const code = codeHeard(await finishedCallTo(phone));
    const wrong = code === '000000' ? '111111' : '000000';
    for (let remaining = 4; remaining >= 0; remaining -= 1) {
      const answer = await confirm(token, wrong);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'wrong_code', details: { remaining } });
    }
    const locked = await confirm(token, code);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('too_many_wrong_codes');
    expect((await call(token, '/v1/me')).body.phone_verified_at).toBeNull();

    // A new code replaces the old one: the old code is worthless, the new one works.
    expect((await requestCode(token)).status).toBe(201);
    const fresh = codeHeard(await finishedCallTo(phone, 1));
    if (fresh !== code) expect((await confirm(token, code)).body.error.code).toBe('wrong_code');
    expect((await confirm(token, fresh)).status).toBe(200);
  });

  it('refuses input that is not a 6-digit code without counting it', async () => {
    const { token } = await member();
    for (const code of ['12345', 'abcdef', '1234567', "' or 1=1"]) {
      const answer = await confirm(token, code);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('validation_failed');
    }
    expect((await confirm(token, '123456')).status).toBe(404);
  });

  it('lets a code expire after 10 minutes', async () => {
    const { token, phone } = await member();
    await requestCode(token);
    const code = codeHeard(await finishedCallTo(phone));
    offsetMs = 10 * 60_000 + 1_000;
    try {
      const late = await confirm(token, code);
      expect(late.status).toBe(410);
      expect(late.body.error.code).toBe('code_expired');
      // The calls role will not read out an expired code either, even to a signed request.
      const [row] = await db.sql<
        { id: string }[]
      >`select v.id from phone_verifications v join users u on u.id = v.user_id where u.phone_e164 = ${phone}`;
      const path = `/twilio/voice/verifications/${row!.id}`;
      const params = { CallSid: `CA${'1'.repeat(32)}`, CallStatus: 'in-progress' };
      const twiml = await fetch(`${callsUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signTwilioWebhook(`${callsUrl}${path}`, params, twilio.authToken),
        },
        body: new URLSearchParams(params).toString(),
      });
      expect(twiml.status).toBe(200);
      const text = await twiml.text();
      expect(text).toContain('no longer valid');
      expect(text).not.toContain(code.split('').join(', '));
    } finally {
      offsetMs = 0;
    }
  });

  it('serves verification TwiML only to requests signed by Twilio', async () => {
    const { token, phone } = await member();
    const started = await requestCode(token);
    await finishedCallTo(phone);
    const path = `/twilio/voice/verifications/${started.body.id}`;
    const params = { CallSid: `CA${'2'.repeat(32)}` };
    const post = (signature: string | undefined) =>
      fetch(`${callsUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
        },
        body: new URLSearchParams(params).toString(),
      });
    expect((await post(undefined)).status).toBe(403);
    expect((await post(signTwilioWebhook(`${callsUrl}${path}`, params, 'not-the-auth-token'))).status).toBe(403);
    const signed = await post(signTwilioWebhook(`${callsUrl}${path}`, params, twilio.authToken));
    expect(signed.status).toBe(200);
    expect(await signed.text()).toMatch(/code is (\d, ){5}\d/);
  });

  it('sends at most 5 codes an hour to one user, with Retry-After', async () => {
    const { token, phone } = await member();
    for (let i = 0; i < 5; i += 1) expect((await requestCode(token)).status).toBe(201);
    const refused = await requestCode(token);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'verification_rate_limited', details: { scope: 'user' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3000);
    await twilio.calls.until((items) => items.filter((c) => c.to === phone).length === 5, 10_000);
    // An hour later the user may ask again.
    offsetMs = 3_600_000 + 1_000;
    try {
      expect((await requestCode(token)).status).toBe(201);
    } finally {
      offsetMs = 0;
    }
  });

  it('sends at most 5 codes an hour to one number, however many users ask for it', async () => {
    const victim = newNumber();
    const askers = await Promise.all([member(victim), member(victim), member(victim)]);
    // Concurrent requests from several accounts cannot squeeze past the limit.
    const answers = await Promise.all(askers.flatMap((asker) => [requestCode(asker.token), requestCode(asker.token)]));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(5);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.body.error.details.scope).toBe('number');
    await twilio.calls.until((items) => items.filter((c) => c.to === victim).length === 5, 10_000);
    expect(twilio.calls.items.filter((c) => c.to === victim)).toHaveLength(5);
  });

  it('changing the number removes the verification; saving the same number keeps it', async () => {
    const { token, phone } = await member();
    await requestCode(token);
    expect((await confirm(token, codeHeard(await finishedCallTo(phone)))).status).toBe(200);
    const same = await call(token, '/v1/me', { method: 'PATCH', body: { phone_e164: phone, name: 'Same number' } });
    expect(same.body.phone_verified_at).not.toBeNull();
    const changed = await call(token, '/v1/me', { method: 'PATCH', body: { phone_e164: newNumber() } });
    expect(changed.status).toBe(200);
    expect(changed.body.phone_verified_at).toBeNull();
    // Changing back does not restore it either: the number must be proved again.
    const back = await call(token, '/v1/me', { method: 'PATCH', body: { phone_e164: phone } });
    expect(back.body.phone_verified_at).toBeNull();
  });

  it('a code sent to the old number does not verify the new one', async () => {
    const { token, phone } = await member();
    await requestCode(token);
    const code = codeHeard(await finishedCallTo(phone));
    await call(token, '/v1/me', { method: 'PATCH', body: { phone_e164: newNumber() } });
    expect((await confirm(token, code)).status).toBe(404);
    expect((await call(token, '/v1/me')).body.phone_verified_at).toBeNull();
  });

  it('a number an admin sets stays unverified until its owner verifies it', async () => {
    const phone = newNumber();
    const created = await call(adminToken, '/v1/admin/users', {
      method: 'POST',
      body: { email: 'bea@acme.test', name: 'Bea', phone_e164: phone },
    });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ phone_e164: phone, phone_verified_at: null });
    const listed = await call(adminToken, '/v1/admin/users');
    expect(listed.body.find((u: { email: string }) => u.email === 'bea@acme.test')).toMatchObject({
      phone_verified_at: null,
    });
    // Only Bea, with her own token, can complete it.
    await requestCode(created.body.token);
    expect((await confirm(adminToken, codeHeard(await finishedCallTo(phone)))).status).toBe(404);
    expect((await confirm(created.body.token, codeHeard(twilio.calls.items.find((c) => c.to === phone)!))).status).toBe(
      200,
    );
  });

  it('documents the verification routes in the OpenAPI description', async () => {
    const doc = (await (await fetch(`${base}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths['/v1/me/phone/verifications']?.post?.responses ?? {})).toContain('201');
    expect(Object.keys(doc.paths['/v1/me/phone/verifications/confirm']?.post?.responses ?? {})).toContain('200');
    expect(Object.keys(doc.paths['/v1/me/tokens']?.post?.responses ?? {})).toContain('201');
    expect(Object.keys(doc.paths['/v1/me/tokens/{id}']?.delete?.responses ?? {})).toContain('204');
  });

  it('a number Twilio refuses gets a clear 400, counts towards the limit, and neither logs nor stores the number', async () => {
    const { token, phone, userId } = await member();
    twilio.failCreate(phone, { status: 400, code: 21211, message: `Invalid 'To' Phone Number: ${phone}` });
    const answer = await requestCode(token);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/cannot be reached.*error 21211/);
    const [row] = await db.sql`select failed_reason, provider_ref from phone_verifications where user_id = ${userId}`;
    expect(row).toEqual({ failed_reason: expect.stringContaining('21211'), provider_ref: null });
    expect(JSON.stringify(row)).not.toContain(phone.slice(1));
    expect(JSON.stringify(apiLog.lines.filter((l) => l.event === 'phone.verification.not_sent'))).not.toContain(
      phone.slice(1),
    );
    // Twilio unreachable is not the person's fault: a 503 asking to try again.
    twilio.failCreate(phone, { status: 503 }, 3);
    const later = await requestCode(token);
    expect(later.status).toBe(503);
    expect(later.body.error.code).toBe('verification_not_sent');
  });

  it('asks for a number first', async () => {
    const { token } = await member(null);
    const answer = await requestCode(token);
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('no_phone_number');
  });
});
