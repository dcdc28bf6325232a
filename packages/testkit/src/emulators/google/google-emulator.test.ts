import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OAuth2Client } from 'google-auth-library';
import { calendar, type calendar_v3 } from '@googleapis/calendar';
import { CALENDAR_READONLY_SCOPE, GoogleEmulator } from './google-emulator.js';

const REDIRECT_URI = 'http://127.0.0.1:3000/v1/calendar/google/callback';

let emulator: GoogleEmulator;

beforeAll(async () => {
  emulator = await GoogleEmulator.start({ clientId: 'client-1', clientSecret: 'secret-1' });
});
afterAll(async () => {
  await emulator.close();
});

/** An OAuth2Client redirected the way production code is: through its `endpoints` option. */
function oauthClient(): OAuth2Client {
  return new OAuth2Client({
    clientId: 'client-1',
    clientSecret: 'secret-1',
    redirectUri: REDIRECT_URI,
    endpoints: {
      oauth2AuthBaseUrl: emulator.authUrl,
      oauth2TokenUrl: emulator.tokenUrl,
      oauth2RevokeUrl: emulator.revokeUrl,
    },
  });
}

/** The real Google Calendar client, redirected through the per-API `rootUrl`, with its own retries off. */
function calendarFor(auth: OAuth2Client): calendar_v3.Calendar {
  return calendar({ version: 'v3', rootUrl: emulator.apiRootUrl, auth, retry: false });
}

function connectedClient(email: string): OAuth2Client {
  const client = oauthClient();
  const tokens = emulator.grantTokens(email);
  client.setCredentials({
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token ?? null,
    expiry_date: Date.now() + tokens.expires_in * 1000,
  });
  return client;
}

async function consent(url: string): Promise<URL> {
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '');
}

function meeting(hoursFromNow: number, summary: string): { summary: string; start: Date; end: Date } {
  const start = new Date(Date.now() + hoursFromNow * 3_600_000);
  return { summary, start, end: new Date(start.getTime() + 1_800_000) };
}

describe('Google OAuth', () => {
  it('approves the test user on a consent URL built by OAuth2Client and exchanges the code for tokens', async () => {
    emulator.approveAs('ada@example.com');
    const client = oauthClient();
    const url = client.generateAuthUrl({
      access_type: 'offline',
      prompt: 'consent',
      scope: [CALENDAR_READONLY_SCOPE],
      state: 'state-123',
    });
    expect(url.startsWith(emulator.authUrl)).toBe(true);

    const redirect = await consent(url);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('state')).toBe('state-123');
    const { tokens } = await client.getToken(redirect.searchParams.get('code') ?? '');
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: CALENDAR_READONLY_SCOPE });
    expect(tokens.access_token).toMatch(/^ya29\./);
    expect(tokens.refresh_token).toMatch(/^1\/\//);
    expect(tokens.expiry_date).toBeGreaterThan(Date.now());

    // A code is single-use.
    await expect(client.getToken(redirect.searchParams.get('code') ?? '')).rejects.toMatchObject({
      status: 400,
      response: { data: { error: 'invalid_grant' } },
    });
  });

  it('hands out no refresh token without access_type=offline', async () => {
    const client = oauthClient();
    const redirect = await consent(
      client.generateAuthUrl({ scope: [CALENDAR_READONLY_SCOPE], login_hint: 'ada@example.com' }),
    );
    const { tokens } = await client.getToken(redirect.searchParams.get('code') ?? '');
    expect(tokens.access_token).toBeDefined();
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('redirects with error=access_denied when scripted to refuse', async () => {
    emulator.denyConsent();
    const redirect = await consent(oauthClient().generateAuthUrl({ scope: [CALENDAR_READONLY_SCOPE], state: 's' }));
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('code')).toBeNull();
    expect(redirect.searchParams.get('state')).toBe('s');
  });

  it('answers invalid_grant to a refresh with a revoked token', async () => {
    const client = connectedClient('revoked@example.com');
    await expect(client.refreshAccessToken()).resolves.toBeDefined();
    emulator.revokeUser('revoked@example.com');
    await expect(client.refreshAccessToken()).rejects.toMatchObject({
      status: 400,
      response: { data: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } },
    });
  });

  it('revokes a whole grant through the revoke endpoint', async () => {
    const client = connectedClient('leaver@example.com');
    const accessToken = client.credentials.access_token;
    await client.revokeToken(accessToken ?? '');
    await expect(client.refreshAccessToken()).rejects.toMatchObject({ response: { data: { error: 'invalid_grant' } } });
    await expect(client.revokeToken('never-issued')).rejects.toMatchObject({ status: 400 });
  });

  it('rejects a token request from an unknown client', async () => {
    const stranger = new OAuth2Client({
      clientId: 'client-1',
      clientSecret: 'wrong',
      endpoints: { oauth2TokenUrl: emulator.tokenUrl },
    });
    await expect(stranger.getToken('4/whatever')).rejects.toMatchObject({
      status: 401,
      response: { data: { error: 'invalid_client' } },
    });
  });
});

describe('Calendar v3 events.list', () => {
  it('lists three pages, then only what changed, cancellations included', async () => {
    const email = 'pages@example.com';
    const ids = Array.from(
      { length: 7 },
      (_, i) =>
        emulator.putEvent(email, {
          ...meeting(i + 1, `m${i}`),
          attendees: [{ email, self: true, responseStatus: 'accepted' }],
        }).id,
    );
    emulator.putEvent(email, meeting(24 * 30, 'far away'));
    const calendar = calendarFor(connectedClient(email));

    const window = {
      calendarId: 'primary',
      singleEvents: true,
      timeMin: new Date(Date.now() - 86_400_000).toISOString(),
      timeMax: new Date(Date.now() + 14 * 86_400_000).toISOString(),
      maxResults: 3,
    };
    const pages: calendar_v3.Schema$Events[] = [];
    let pageToken: string | undefined;
    do {
      const { data } = await calendar.events.list({ ...window, ...(pageToken === undefined ? {} : { pageToken }) });
      pages.push(data);
      pageToken = data.nextPageToken ?? undefined;
    } while (pageToken !== undefined);
    expect(pages.map((p) => p.items?.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.items?.map((e) => e.id))).toEqual(ids);
    expect(pages[0]?.items?.[0]).toMatchObject({
      status: 'confirmed',
      summary: 'm0',
      attendees: [{ email, self: true, responseStatus: 'accepted' }],
    });
    expect(pages.slice(0, 2).every((p) => p.nextSyncToken === undefined)).toBe(true);
    const syncToken = pages[2]?.nextSyncToken;
    expect(syncToken).toEqual(expect.any(String));

    emulator.modifyEvent(email, ids[1] ?? '', { summary: 'moved', start: meeting(5, '').start });
    emulator.cancelEvent(email, ids[2] ?? '');
    const added = emulator.putEvent(email, meeting(3, 'new'));
    const { data: changes } = await calendar.events.list({ calendarId: 'primary', syncToken: syncToken ?? '' });
    expect(changes.items).toEqual([
      expect.objectContaining({ id: ids[1], summary: 'moved', status: 'confirmed' }),
      { id: ids[2], status: 'cancelled' },
      expect.objectContaining({ id: added.id, summary: 'new' }),
    ]);
    const { data: nothing } = await calendar.events.list({
      calendarId: 'primary',
      syncToken: changes.nextSyncToken ?? '',
    });
    expect(nothing.items).toEqual([]);
  });

  it('answers 410 fullSyncRequired to a stale sync token', async () => {
    const email = 'stale@example.com';
    emulator.putEvent(email, meeting(1, 'a'));
    const calendar = calendarFor(connectedClient(email));
    const { data } = await calendar.events.list({ calendarId: 'primary' });
    emulator.invalidateSyncTokens(email);
    await expect(
      calendar.events.list({ calendarId: 'primary', syncToken: data.nextSyncToken ?? '' }),
    ).rejects.toMatchObject({
      status: 410,
      response: { data: { error: { code: 410, errors: [expect.objectContaining({ reason: 'fullSyncRequired' })] } } },
    });
  });

  it('answers 401 to an unknown token, and the client refreshes once and retries', async () => {
    const email = 'expired@example.com';
    emulator.putEvent(email, meeting(2, 'still there'));
    const client = oauthClient();
    const tokens = emulator.grantTokens(email);
    // No expiry_date: the client learns of the expiry from the 401, as after a restart.
    client.setCredentials({ access_token: tokens.access_token, refresh_token: tokens.refresh_token ?? null });
    emulator.expireAccessTokens(email);
    const before = emulator.requests.items.length;

    const { data } = await calendarFor(client).events.list({ calendarId: 'primary' });
    expect(data.items?.map((e) => e.summary)).toEqual(['still there']);
    const seen = emulator.requests.items.slice(before).map((r) => r.path);
    expect(seen).toEqual(['/calendar/v3/calendars/primary/events', '/token', '/calendar/v3/calendars/primary/events']);
    expect(client.credentials.access_token).not.toBe(tokens.access_token);
  });

  it('plays scripted failures for one user only', async () => {
    const email = 'flaky@example.com';
    const calendar = calendarFor(connectedClient(email));
    const healthy = calendarFor(connectedClient('healthy@example.com'));
    emulator.failNext(email, { kind: 'status', status: 403, reason: 'rateLimitExceeded', retryAfterSeconds: 7 });
    emulator.failNext(email, { kind: 'status', status: 429 });
    emulator.failNext(email, { kind: 'status', status: 500 });

    await expect(healthy.events.list({ calendarId: 'primary' })).resolves.toMatchObject({ status: 200 });
    const rateLimited = await calendar.events.list({ calendarId: 'primary' }).catch((e: unknown) => e);
    expect(rateLimited).toMatchObject({
      status: 403,
      response: { data: { error: { errors: [expect.objectContaining({ reason: 'rateLimitExceeded' })] } } },
    });
    expect((rateLimited as { response: { headers: Headers } }).response.headers.get('retry-after')).toBe('7');
    await expect(calendar.events.list({ calendarId: 'primary' })).rejects.toMatchObject({ status: 429 });
    await expect(calendar.events.list({ calendarId: 'primary' })).rejects.toMatchObject({ status: 500 });
    await expect(calendar.events.list({ calendarId: 'primary' })).resolves.toMatchObject({ status: 200 });
    expect(emulator.calendarRequests(email)).toHaveLength(4);
  });

  it('can answer malformed JSON, slowly, or not at all', async () => {
    const email = 'broken@example.com';
    const calendar = calendarFor(connectedClient(email));
    emulator.failNext(email, { kind: 'malformed-json' });
    const malformed = await calendar.events.list({ calendarId: 'primary' }).then(
      (r) => r.data as unknown,
      (e: unknown) => e,
    );
    // gaxios hands back the unparsable text rather than an object with items.
    expect(malformed).not.toHaveProperty('items');

    emulator.setLatency(email, 150);
    const started = Date.now();
    await calendar.events.list({ calendarId: 'primary' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    emulator.setLatency(email, 0);

    emulator.failNext(email, { kind: 'hang' });
    await expect(calendar.events.list({ calendarId: 'primary' }, { timeout: 200 })).rejects.toThrow();
  });

  it('expires access tokens on its own clock, and keeps no request log when told not to', async () => {
    let now = Date.parse('2026-03-01T09:00:00Z');
    const timed = await GoogleEmulator.start({ now: () => now, accessTokenTtlSeconds: 60, recordRequests: false });
    try {
      const tokens = timed.grantTokens('clock@example.com');
      const list = (token: string) =>
        fetch(`${timed.url}/calendar/v3/calendars/primary/events`, { headers: { authorization: `Bearer ${token}` } });
      expect((await list(tokens.access_token)).status).toBe(200);
      now += 61_000;
      expect((await list(tokens.access_token)).status).toBe(401);
      expect(timed.requests.items).toEqual([]);
    } finally {
      await timed.close();
    }
  });
});
