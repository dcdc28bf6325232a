import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OAuth2Client } from 'google-auth-library';
import { calendar, type calendar_v3 } from '@googleapis/calendar';
import { WebhookReceiver } from '../../webhook-receiver.js';
import { GoogleEmulator } from './google-emulator.js';

let emulator: GoogleEmulator;
let receiver: WebhookReceiver;

beforeAll(async () => {
  emulator = await GoogleEmulator.start();
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await receiver.close();
  await emulator.close();
});

/** The real Google Calendar client, signed in as `email`. */
function calendarOf(email: string): calendar_v3.Calendar {
  const auth = new OAuth2Client({
    clientId: emulator.client.clientId,
    clientSecret: emulator.client.clientSecret,
    endpoints: { oauth2TokenUrl: emulator.tokenUrl },
  });
  const tokens = emulator.grantTokens(email);
  auth.setCredentials({
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token ?? null,
    expiry_date: Date.now() + 3_600_000,
  });
  return calendar({ version: 'v3', rootUrl: emulator.apiRootUrl, auth, retry: false });
}

const statusOf = async (call: Promise<unknown>) =>
  call.then(
    () => 200,
    (error: { response?: { status: number; data: unknown; headers: Headers } }) => error.response,
  );

describe('Google emulator: push channels', () => {
  it('events.watch opens a channel, sends its sync message, then one message per change with Google headers', async () => {
    const api = calendarOf('watch@example.com');
    const { data } = await api.events.watch({
      calendarId: 'primary',
      requestBody: {
        id: 'chan-1',
        type: 'web_hook',
        address: `${receiver.url}/hook`,
        token: 'secret-token',
        params: { ttl: '3600' },
      },
    });
    expect(data).toMatchObject({
      kind: 'api#channel',
      id: 'chan-1',
      resourceId: expect.any(String),
      token: 'secret-token',
    });
    expect(Number(data.expiration) - Date.now()).toBeGreaterThan(3_590_000);
    const sync = await receiver.received.first((hook) => hook.headers['x-goog-channel-id'] === 'chan-1');
    expect(sync.headers).toMatchObject({
      'x-goog-resource-state': 'sync',
      'x-goog-message-number': '1',
      'x-goog-channel-token': 'secret-token',
      'x-goog-resource-id': data.resourceId,
    });
    expect(sync.body).toHaveLength(0);

    emulator.putEvent('watch@example.com', {
      summary: 'New',
      start: new Date(Date.now() + 3_600_000),
      end: new Date(Date.now() + 5_400_000),
    });
    const change = await receiver.received.first((hook) => hook.headers['x-goog-message-number'] === '2');
    expect(change.headers).toMatchObject({ 'x-goog-resource-state': 'exists', 'x-goog-channel-id': 'chan-1' });
    expect(change.headers['x-goog-channel-expiration']).toEqual(expect.any(String));

    expect(
      await statusOf(api.channels.stop({ requestBody: { id: 'chan-1', resourceId: data.resourceId ?? '' } })),
    ).toBe(200);
    const count = receiver.received.items.length;
    emulator.putEvent('watch@example.com', {
      summary: 'After stop',
      start: new Date(Date.now() + 3_600_000),
      end: new Date(Date.now() + 5_400_000),
    });
    await emulator.notificationsSettled();
    expect(receiver.received.items).toHaveLength(count);
    expect(emulator.activeChannels('watch@example.com')).toHaveLength(0);
  });

  it('refuses a plain-http address that is not loopback, a reused channel id, and a stop by another user', async () => {
    const api = calendarOf('refuse@example.com');
    const http = await statusOf(
      api.events.watch({
        calendarId: 'primary',
        requestBody: { id: 'chan-http', type: 'web_hook', address: 'http://nudge.example.com/hook' },
      }),
    );
    expect(http).toMatchObject({ status: 400, data: { error: { errors: [{ reason: 'push.webhookUrlNotHttps' }] } } });
    const { data } = await api.events.watch({
      calendarId: 'primary',
      requestBody: { id: 'chan-2', type: 'web_hook', address: `${receiver.url}/hook` },
    });
    expect(
      await statusOf(
        api.events.watch({
          calendarId: 'primary',
          requestBody: { id: 'chan-2', type: 'web_hook', address: `${receiver.url}/hook` },
        }),
      ),
    ).toMatchObject({ status: 400 });
    expect(
      await statusOf(
        calendarOf('other@example.com').channels.stop({
          requestBody: { id: 'chan-2', resourceId: data.resourceId ?? '' },
        }),
      ),
    ).toMatchObject({ status: 404 });
    expect(emulator.activeChannels('refuse@example.com')).toHaveLength(1);
  });

  it('an expired channel delivers nothing, and a lost notification is never sent', async () => {
    const api = calendarOf('expiry@example.com');
    await api.events.watch({
      calendarId: 'primary',
      requestBody: { id: 'chan-3', type: 'web_hook', address: `${receiver.url}/hook` },
    });
    emulator.loseNotifications('expiry@example.com', 1);
    emulator.putEvent('expiry@example.com', {
      summary: 'Lost',
      start: new Date(Date.now() + 3_600_000),
      end: new Date(Date.now() + 5_400_000),
    });
    await emulator.notificationsSettled();
    const sent = emulator.notifications.filter((n) => n.channelId === 'chan-3');
    expect(sent.map((n) => [n.messageNumber, n.state, n.lost]).sort()).toEqual([
      [1, 'sync', false],
      [2, 'exists', true],
    ]);
    emulator.expireChannel('chan-3');
    emulator.putEvent('expiry@example.com', {
      summary: 'Expired',
      start: new Date(Date.now() + 3_600_000),
      end: new Date(Date.now() + 5_400_000),
    });
    await emulator.notificationsSettled();
    expect(emulator.notifications.filter((n) => n.channelId === 'chan-3')).toHaveLength(2);
  });
});

describe('Google emulator: usage limits', () => {
  it('answers beyond the per-user and per-project minute limits with usageLimits errors and Retry-After', async () => {
    emulator.setQuota({ projectPerMinute: 5, userPerMinute: 2 });
    try {
      const busy = calendarOf('busy@example.com');
      expect(await statusOf(busy.events.list({ calendarId: 'primary' }))).toBe(200);
      expect(await statusOf(busy.events.list({ calendarId: 'primary' }))).toBe(200);
      const user = await statusOf(busy.events.list({ calendarId: 'primary' }));
      expect(user).toMatchObject({
        status: 403,
        data: { error: { code: 403, errors: [{ domain: 'usageLimits', reason: 'userRateLimitExceeded' }] } },
      });
      // Three more users' requests fill the project's minute (5).
      for (let i = 0; i < 3; i += 1)
        expect(await statusOf(calendarOf(`quiet-${i}@example.com`).events.list({ calendarId: 'primary' }))).toBe(200);
      const project = (await statusOf(calendarOf('late@example.com').events.list({ calendarId: 'primary' }))) as {
        status: number;
        data: unknown;
        headers: Headers;
      };
      expect(project).toMatchObject({
        status: 429,
        data: { error: { errors: [{ domain: 'usageLimits', reason: 'rateLimitExceeded' }] } },
      });
      expect(Number(project.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      emulator.setQuota(undefined);
    }
  });
});
