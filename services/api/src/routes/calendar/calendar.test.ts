import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { insertLiveChannel, TokenCipher, type CalendarCredentialRow } from '@nudge/calendar';
import { CALENDAR_READONLY_SCOPE, GoogleEmulator } from '@nudge/testkit';
import { useTestDatabase } from '@nudge/testkit/jest';
import { newOrg, startApi, type ApiUnderTest } from '../../testing/api-under-test.js';

const KEY = Buffer.alloc(32, 7);

const db = useTestDatabase();
let google: GoogleEmulator;
let api: ApiUnderTest;
let nowMs = Date.now();

beforeAll(async () => {
  google = await GoogleEmulator.start();
  api = await startApi(db, {
    clock: { now: () => new Date(nowMs) },
    env: {
      ...google.endpointEnv(),
      CREDENTIALS_ENCRYPTION_KEY: KEY.toString('base64'),
    },
  });
});
afterAll(async () => {
  await api.close();
  await google.close();
});
beforeEach(() => {
  nowMs = Date.now();
});

type CredentialRow = Pick<
  CalendarCredentialRow,
  'id' | 'refresh_token_enc' | 'access_token_enc' | 'scopes' | 'revoked' | 'updated_at'
>;

/** Google's token endpoint asked for a fresh access token, as the worker asks it. */
function refreshAtGoogle(refreshToken: string): Promise<Response> {
  const { clientId, clientSecret } = google.client;
  return fetch(google.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
      client_secret: clientSecret,
    }),
  });
}

async function credentialOf(userId: string): Promise<CredentialRow | undefined> {
  const [row] = await db.sql<CredentialRow[]>`
    select id, refresh_token_enc, access_token_enc, scopes, revoked, updated_at from calendar_credentials where user_id = ${userId}`;
  return row;
}

/** The connect cookie of the browser that asked for the last consent URL: callbacks carry it, as that browser would. */
let boundCookie = '';

/** Asks the api for a consent URL and lets the emulator's consent screen answer it. */
async function consent(token: string): Promise<{ consentUrl: URL; callback: URL }> {
  const connect = await api.request('/v1/calendar/google/connect', { token });
  expect(connect.status).toBe(200);
  boundCookie = (connect.headers.getSetCookie()[0] ?? '').split(';')[0]!;
  const consentUrl = new URL(connect.json<{ url: string }>().url);
  const answer = await fetch(consentUrl, { redirect: 'manual' });
  expect(answer.status).toBe(302);
  return { consentUrl, callback: new URL(answer.headers.get('location') ?? '') };
}

function callbackRequest(path: string, init: { headers?: Record<string, string> } = {}) {
  return api.request(path, { ...init, headers: { ...init.headers, cookie: boundCookie } });
}

function callbackPath(callback: URL): string {
  return `${callback.pathname}${callback.search}`;
}

describe('Google Calendar connect', () => {
  it('runs consent → callback → encrypted tokens, and a replayed callback is refused', async () => {
    const ada = await newOrg(db);
    google.approveAs('ada@gmail.test');
    const { consentUrl, callback } = await consent(ada.token);

    expect(`${consentUrl.origin}${consentUrl.pathname}`).toBe(google.authUrl);
    expect(consentUrl.searchParams.get('access_type')).toBe('offline');
    expect(consentUrl.searchParams.get('prompt')).toBe('consent');
    expect(consentUrl.searchParams.get('scope')).toBe(CALENDAR_READONLY_SCOPE);
    expect(consentUrl.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:3000/v1/calendar/google/callback');
    expect(callback.pathname).toBe('/v1/calendar/google/callback');
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));

    const page = await callbackRequest(callbackPath(callback), { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('Google Calendar connected');

    const row = await credentialOf(ada.userId);
    expect(row).toMatchObject({ revoked: false, scopes: [CALENDAR_READONLY_SCOPE] });
    const cipher = new TokenCipher([KEY]);
    const refreshToken = cipher.decrypt(row!.refresh_token_enc, ada.userId);
    const accessToken = cipher.decrypt(row!.access_token_enc ?? '', ada.userId);
    expect(refreshToken).toMatch(/^1\/\/emu-/);
    expect(accessToken).toMatch(/^ya29\.emu-/);
    for (const stored of [row!.refresh_token_enc, row!.access_token_enc ?? '']) {
      expect(stored).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(stored).not.toContain(refreshToken);
      expect(stored).not.toContain(accessToken);
      expect(stored).not.toContain('emu-');
    }
    // The stored refresh token is the one Google handed out: it refreshes.
    const refreshed = await refreshAtGoogle(refreshToken);
    expect(refreshed.status).toBe(200);

    const status = await api.request('/v1/calendar/google', { token: ada.token });
    expect(status.json()).toEqual({ connected: true, revoked: false, revoked_reason: null, last_synced_at: null });

    const replay = await callbackRequest(callbackPath(callback));
    expect(replay.status).toBe(400);
    expect(replay.json()).toMatchObject({ error: { code: 'state_used' } });
    expect((await credentialOf(ada.userId))?.updated_at).toEqual(row!.updated_at);
  });

  it('replaces the previous credential of the user on a reconnect, live again', async () => {
    const bob = await newOrg(db);
    google.approveAs('bob@gmail.test');
    expect((await callbackRequest(callbackPath((await consent(bob.token)).callback))).status).toBe(200);
    const first = await credentialOf(bob.userId);
    await db.sql`update calendar_credentials set revoked = true, revoked_reason = 'invalid_grant' where id = ${first!.id}`;
    await db.sql`insert into calendar_sync_state (credential_id, sync_token) values (${first!.id}, 'old-token')`;

    expect((await callbackRequest(callbackPath((await consent(bob.token)).callback))).status).toBe(200);
    const rows = await db.sql<
      CredentialRow[]
    >`select id, refresh_token_enc, revoked from calendar_credentials where user_id = ${bob.userId}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: first!.id, revoked: false });
    expect(rows[0]!.refresh_token_enc).not.toBe(first!.refresh_token_enc);
    expect(await db.sql`select 1 from calendar_sync_state where credential_id = ${first!.id}`).toHaveLength(0);
  });

  it('refuses a forged, tampered or missing state with a 400 and stores nothing', async () => {
    const eve = await newOrg(db);
    const victim = await newOrg(db);
    google.approveAs('eve@gmail.test');
    const { callback } = await consent(eve.token);
    const state = callback.searchParams.get('state') ?? '';
    const [payload, signature] = state.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { u: string };
    const forged = `${Buffer.from(JSON.stringify({ ...claims, u: victim.userId })).toString('base64url')}.${signature}`;
    const code = callback.searchParams.get('code') ?? '';

    for (const bad of [forged, `${state}x`, 'not-a-state', '']) {
      const response = await api.request(
        `/v1/calendar/google/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(bad)}`,
      );
      expect(response.status).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 'invalid_state', message: expect.any(String) } });
    }
    expect((await api.request(`/v1/calendar/google/callback?code=${code}`)).json()).toMatchObject({
      error: { code: 'invalid_state' },
    });
    expect(await credentialOf(victim.userId)).toBeUndefined();
    expect(await credentialOf(eve.userId)).toBeUndefined();
  });

  it('refuses a state older than 10 minutes', async () => {
    const carol = await newOrg(db);
    google.approveAs('carol@gmail.test');
    const { callback } = await consent(carol.token);
    nowMs += 10 * 60_000 + 1;
    const response = await callbackRequest(callbackPath(callback), {
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.text).toContain('expired');
    expect(await credentialOf(carol.userId)).toBeUndefined();
  });

  /** The callback answers 400 with this error, and the user has no credential. */
  async function expectRefused(callback: URL, userId: string, code: string, messagePart: string) {
    const response = await callbackRequest(callbackPath(callback));
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ error: { code, message: expect.stringContaining(messagePart) } });
    expect(await credentialOf(userId)).toBeUndefined();
  }

  it('answers access_denied with a clear 400 and stores nothing', async () => {
    const dan = await newOrg(db);
    google.denyConsent();
    const { callback } = await consent(dan.token);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    await expectRefused(callback, dan.userId, 'access_denied', 'not granted');
  });

  it('answers a failing token exchange with a 400 and stores nothing', async () => {
    const fay = await newOrg(db);
    google.approveAs('fay@gmail.test');
    const { callback } = await consent(fay.token);
    callback.searchParams.set('code', '4/emu-never-issued');
    await expectRefused(callback, fay.userId, 'token_exchange_failed', 'invalid_grant');
  });

  it('a connect queues the first sync for the workers at once, calling Google for nothing but the code', async () => {
    const hana = await newOrg(db);
    google.approveAs('hana@gmail.test');
    const { callback } = await consent(hana.token);
    const before = google.requests.items.length;
    expect((await callbackRequest(callbackPath(callback))).status).toBe(200);
    // The worker syncs the calendar and opens its channel from this request (woken by its NOTIFY).
    const row = await credentialOf(hana.userId);
    const queued = await db.sql`select notifications from calendar_sync_requests where credential_id = ${row!.id}`;
    expect(queued).toEqual([{ notifications: 1 }]);
    expect(google.requests.items.slice(before).map((r) => r.path)).toEqual(['/token']);
  });

  it('a disconnect stops the channel at Google through the shared quota', async () => {
    const ida = await newOrg(db);
    google.approveAs('ida@gmail.test');
    expect((await callbackRequest(callbackPath((await consent(ida.token)).callback))).status).toBe(200);
    const row = await credentialOf(ida.userId);
    const accessToken = new TokenCipher([KEY]).decrypt(row!.access_token_enc!, ida.userId);
    const channelId = `ch-${ida.userId}`;
    const watch = await fetch(`${google.url}/calendar/v3/calendars/primary/events/watch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: channelId, type: 'web_hook', address: `${google.url}/hook`, token: 't' }),
    });
    const { resourceId, expiration } = (await watch.json()) as { resourceId: string; expiration: string };
    await insertLiveChannel(db.sql, {
      id: channelId,
      user_id: ida.userId,
      credential_id: row!.id,
      resource_id: resourceId,
      token_hash: 'unused',
      expires_at: new Date(Number(expiration)),
    });
    expect(google.activeChannels('ida@gmail.test')).toHaveLength(1);

    expect((await api.request('/v1/calendar/google', { method: 'DELETE', token: ida.token })).status).toBe(204);
    expect(google.activeChannels('ida@gmail.test')).toHaveLength(0);
    // The stop took its slot in the user's minute of the shared counters, as a worker's request would.
    const slots = await db.sql<{ count: number }[]>`
      select count from google_quota_windows where key like ${`u:${ida.userId}:%`}`;
    expect(slots.reduce((sum, slot) => sum + slot.count, 0)).toBeGreaterThanOrEqual(1);
  });

  it('needs a token to start connecting', async () => {
    expect((await api.request('/v1/calendar/google/connect')).status).toBe(401);
    expect((await api.request('/v1/calendar/google', { method: 'DELETE' })).status).toBe(401);
  });

  it('disconnects: revokes the grant at Google and forgets the credential and its sync state', async () => {
    const gil = await newOrg(db);
    google.approveAs('gil@gmail.test');
    expect((await callbackRequest(callbackPath((await consent(gil.token)).callback))).status).toBe(200);
    const row = await credentialOf(gil.userId);
    const refreshToken = new TokenCipher([KEY]).decrypt(row!.refresh_token_enc, gil.userId);
    await db.sql`insert into calendar_sync_state (credential_id, sync_token) values (${row!.id}, 'token')`;

    const removed = await api.request('/v1/calendar/google', { method: 'DELETE', token: gil.token });
    expect(removed.status).toBe(204);
    expect(await credentialOf(gil.userId)).toBeUndefined();
    expect(await db.sql`select 1 from calendar_sync_state where credential_id = ${row!.id}`).toHaveLength(0);
    const refresh = await refreshAtGoogle(refreshToken);
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
    expect(google.requests.items.some((r) => r.path === '/revoke')).toBe(true);
    expect((await api.request('/v1/calendar/google', { token: gil.token })).json()).toMatchObject({
      connected: false,
      revoked: false,
    });
    // Idempotent: nothing left to forget is not an error.
    expect((await api.request('/v1/calendar/google', { method: 'DELETE', token: gil.token })).status).toBe(204);
  });
});
