import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type * as TwilioResponse from 'twilio/lib/http/response.js';
import { readForm } from '../http/responses.js';
import { ANY } from '../http/scripted-responses.js';
import { signTwilioWebhook } from './twilio-signature.js';
import { TwilioEmulator } from './twilio-emulator.js';

/**
 * Test-only adapter: the real RequestClient with api.twilio.com swapped for the emulator.
 * Production needs the same for TWILIO_API_BASE_URL and keeps its own copy in @nudge/service/twilio.
 */
class EmulatorRequestClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: string) {
    super();
  }

  override request<T>(opts: RequestClient.RequestOptions<T>): Promise<TwilioResponse.default<T>> {
    const original = new URL(opts.uri);
    return super.request({ ...opts, uri: new URL(original.pathname + original.search, this.baseUrl).href });
  }
}

interface AppRequest {
  path: string;
  params: Record<string, string>;
  signatureValid: boolean;
}

const FROM = '+15005550006';
let emulator: TwilioEmulator;
let app: Server;
let appUrl: string;
const received: AppRequest[] = [];

/** The application Twilio calls back: TwiML with a <Gather>, its action, and status callbacks. */
function startApp(): Promise<void> {
  app = createServer((req, res) => {
    void readForm(req).then((form) => {
      const params = Object.fromEntries(form);
      const path = new URL(req.url ?? '/', appUrl).pathname;
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      received.push({
        path,
        params,
        signatureValid: twilio.validateRequest(emulator.authToken, signature, `${appUrl}${path}`, params),
      });
      const twiml: Record<string, string> = {
        '/voice':
          '<?xml version="1.0"?><Response><Gather numDigits="1" action="/gather"><Say>Standup starts at 10:00. Press 1 to acknowledge.</Say></Gather><Say>Goodbye &amp; good luck</Say></Response>',
        '/gather': `<Response><Say>You pressed ${params.Digits ?? ''}</Say><Hangup/></Response>`,
      };
      const body = twiml[path];
      if (body === undefined) res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'text/xml' }).end(body);
    });
  });
  return new Promise((resolve) =>
    app.listen(0, '127.0.0.1', () => {
      const address = app.address();
      appUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
      resolve();
    }),
  );
}

function client(authToken = emulator.authToken) {
  return twilio(emulator.accountSid, authToken, { httpClient: new EmulatorRequestClient(emulator.url) });
}

function createCall(to: string, statusCallbackEvent = ['initiated', 'ringing', 'answered', 'completed']) {
  return client().calls.create({
    to,
    from: FROM,
    url: `${appUrl}/voice`,
    statusCallback: `${appUrl}/status`,
    statusCallbackEvent,
    timeout: 20,
  });
}

async function finished(sid: string): Promise<void> {
  await emulator.calls.first((call) => call.sid === sid);
  await emulator.call(sid)?.finished;
}

const statuses = (sid: string) =>
  received.filter((r) => r.path === '/status' && r.params.CallSid === sid).map((r) => r.params.CallStatus);

beforeAll(async () => {
  emulator = await TwilioEmulator.start();
  await startApp();
});
afterEach(() => {
  received.length = 0;
});
afterAll(async () => {
  await emulator.close();
  app.closeAllConnections();
  await new Promise((resolve) => app.close(resolve));
});

describe('Twilio emulator with the real twilio client', () => {
  it('creates a call, fetches signed TwiML, answers the Gather and posts every status callback', async () => {
    emulator.scriptCall('+15551230001', { digits: ['1'] });
    const call = await createCall('+15551230001');
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call).toMatchObject({
      status: 'queued',
      to: '+15551230001',
      from: FROM,
      direction: 'outbound-api',
      accountSid: emulator.accountSid,
    });

    await finished(call.sid);
    expect(received.map((r) => r.path)).toEqual(['/status', '/status', '/status', '/voice', '/gather', '/status']);
    expect(received.every((r) => r.signatureValid)).toBe(true);
    expect(statuses(call.sid)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(received.find((r) => r.path === '/gather')?.params).toMatchObject({
      Digits: '1',
      CallSid: call.sid,
      CallStatus: 'in-progress',
    });
    expect(emulator.call(call.sid)?.said).toEqual([
      'Standup starts at 10:00. Press 1 to acknowledge.',
      'You pressed 1',
    ]);

    const fetched = await client().calls(call.sid).fetch();
    expect(fetched.status).toBe('completed');
  });

  it('sends a text message through the Messages resource and records it as the handset receives it', async () => {
    const sent = await client().messages.create({ to: '+15551230050', from: FROM, body: 'Your code is 123456' });
    expect(sent.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sent).toMatchObject({
      to: '+15551230050',
      from: FROM,
      body: 'Your code is 123456',
      status: 'queued',
      accountSid: emulator.accountSid,
    });
    expect(emulator.messages.items.find((m) => m.sid === sent.sid)).toMatchObject({
      to: '+15551230050',
      body: 'Your code is 123456',
    });
    await expect(client().messages.create({ to: 'not-a-number', from: FROM, body: 'x' })).rejects.toMatchObject({
      status: 400,
      code: 21211,
    });
    await expect(
      client().messages.create({ to: '+15551230050', from: FROM, body: 'x'.repeat(1601) }),
    ).rejects.toMatchObject({ status: 400, code: 21617 });
    await expect(
      client('wrong-token').messages.create({ to: '+15551230050', from: FROM, body: 'x' }),
    ).rejects.toMatchObject({ status: 401 });
  });

  it('carries on after a Gather with no input, without calling its action', async () => {
    const call = await createCall('+15551230002');
    await finished(call.sid);
    expect(received.some((r) => r.path === '/gather')).toBe(false);
    expect(emulator.call(call.sid)?.said).toEqual([
      'Standup starts at 10:00. Press 1 to acknowledge.',
      'Goodbye & good luck',
    ]);
  });

  it.each(['busy', 'no-answer', 'failed'] as const)(
    'reports a %s call with its final status and never fetches TwiML',
    async (answer) => {
      emulator.scriptCall('+15551230003', { answer });
      const call = await createCall('+15551230003', ['completed']);
      await finished(call.sid);
      expect(received.map((r) => [r.path, r.params.CallStatus])).toEqual([['/status', answer]]);
    },
  );

  it('can duplicate status callbacks and deliver them out of order', async () => {
    emulator.scriptCall('+15551230004', { digits: ['1'], duplicateCallbacks: true, reorderCallbacks: true });
    const call = await createCall('+15551230004');
    await finished(call.sid);
    expect(statuses(call.sid)).toEqual([
      'completed',
      'completed',
      'in-progress',
      'in-progress',
      'ringing',
      'ringing',
      'initiated',
      'initiated',
    ]);
    expect(received.filter((r) => r.path === '/status').every((r) => r.signatureValid)).toBe(true);
  });

  it('refuses bad credentials with 401', async () => {
    await expect(
      client('wrong-token').calls.create({ to: '+15551230005', from: FROM, url: `${appUrl}/voice` }),
    ).rejects.toMatchObject({ status: 401, code: 20003 });
    expect(emulator.calls.items.some((call) => call.to === '+15551230005')).toBe(false);
  });

  it('refuses a number that is not E.164 with 400 and code 21211', async () => {
    await expect(createCall('555-0100')).rejects.toMatchObject({
      status: 400,
      code: 21211,
      moreInfo: 'https://www.twilio.com/docs/errors/21211',
    });
  });

  it('answers scripted 500 and 429 on create, then recovers', async () => {
    emulator.failCreate(ANY, { status: 500 });
    emulator.failCreate('+15551230006', { status: 429, code: 20429, message: 'Too Many Requests' });
    await expect(createCall('+15551230006')).rejects.toMatchObject({ status: 429, code: 20429 });
    await expect(createCall('+15551230006')).rejects.toMatchObject({ status: 500 });
    const call = await createCall('+15551230006');
    await finished(call.sid);
    expect(statuses(call.sid)).toContain('completed');
  });
});

describe('Twilio emulator: listing calls and a slow create answer', () => {
  it('lists the calls to a number from a day on, newest first, as the client reads them', async () => {
    const first = await createCall('+15551230007', ['completed']);
    const second = await createCall('+15551230007', ['completed']);
    await createCall('+15551230008', ['completed']);
    const listed = await client().calls.list({
      to: '+15551230007',
      startTimeAfter: new Date(Date.now() - 60_000),
      limit: 20,
    });
    expect(listed.map((call) => call.sid)).toEqual([second.sid, first.sid]);
    expect(listed[0]?.dateCreated).toBeInstanceOf(Date);
    expect(
      await client().calls.list({ to: '+15551230007', startTimeAfter: new Date(Date.now() + 2 * 86_400_000) }),
    ).toEqual([]);
    await Promise.all([first.sid, second.sid].map(finished));
  });

  it('can hold the create answer back after the call exists (a client that dies never learns the sid)', async () => {
    emulator.delayCreateResponse('+15551230009', 400);
    const started = Date.now();
    const pending = createCall('+15551230009', ['completed']);
    const exists = await emulator.calls.first((call) => call.to === '+15551230009', 2_000);
    expect(Date.now() - started).toBeLessThan(400);
    const call = await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(call.sid).toBe(exists.sid);
    await finished(call.sid);
  });
});

describe('signTwilioWebhook', () => {
  it('signs as Twilio does, so the twilio library accepts it and rejects a tampered copy', () => {
    const url = 'https://calls.nudge.test/twilio/status?x=1';
    const params = { CallSid: 'CA1', CallStatus: 'completed', Digits: '1' };
    const signature = signTwilioWebhook(url, params, 'token');
    expect(signature).toBe(twilio.getExpectedTwilioSignature('token', url, params));
    expect(twilio.validateRequest('token', signature, url, params)).toBe(true);
    expect(twilio.validateRequest('token', signature, url, { ...params, CallStatus: 'busy' })).toBe(false);
    expect(twilio.validateRequest('other', signature, url, params)).toBe(false);
  });
});
