import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createOrgWithCli,
  createTestDatabase,
  eventually,
  freePort,
  GoogleEmulator,
  roleEnv,
  RoleProcess,
  startRole,
  type TestDatabase,
} from '@nudge/testkit';

const HOUR = 3_600_000;

/**
 * Google push channels through real processes: the api and two worker replicas, the Google
 * emulator delivering notifications to the api over HTTP. The safety poll is set to ten
 * hours, so anything seen within seconds came through a notification.
 */
describe('calendar push channels', () => {
  let db: TestDatabase;
  let google: GoogleEmulator;
  let api: RoleProcess;
  let workers: RoleProcess[];
  let base: string;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    google = await GoogleEmulator.start();
    const apiPort = await freePort();
    base = `http://127.0.0.1:${apiPort}`;
    const shared = roleEnv(db.url, {
      PUBLIC_BASE_URL: base,
      GOOGLE_OAUTH_AUTH_URL: google.authUrl,
      GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
      GOOGLE_OAUTH_REVOKE_URL: google.revokeUrl,
      GOOGLE_API_ROOT_URL: google.url,
      GOOGLE_CLIENT_ID: google.client.clientId,
      GOOGLE_CLIENT_SECRET: google.client.clientSecret,
      CREDENTIALS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      CALENDAR_SAFETY_SYNC_MINUTES: '600',
      CALENDAR_CHANNELS_TEST_ALLOW_LOOPBACK_HTTP: 'true',
      ENABLE_SCHEDULERS: 'true',
    });
    ({ process: api } = await startRole('api', { ...shared, ENABLE_SCHEDULERS: 'false' }, { port: apiPort }));
    workers = [
      RoleProcess.start('worker', { ...shared, HEALTH_PORT: String(await freePort()) }),
      RoleProcess.start('worker', { ...shared, HEALTH_PORT: String(await freePort()) }),
    ];
    ({ token } = await createOrgWithCli(db.url, [
      '--org',
      'Channels',
      '--email',
      'ops@channels.test',
      '--name',
      'Ops',
      '--timezone',
      'UTC',
      '--operator',
    ]));
    for (const worker of workers)
      await eventually(() => worker.events('calendar.channels.enabled').length === 1, {
        timeoutMs: 20_000,
        explain: () => worker.output(),
      });
    await eventually(
      async () =>
        (await db.sql`select id from job_schedules where id in ('calendar-sync', 'calendar-channels')`).length === 2,
      { timeoutMs: 20_000 },
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all([api.stop(), ...workers.map((worker) => worker.stop())]);
    await google.close();
    await db.drop();
  });

  const explain = () => [api, ...workers].map((p) => p.output().split('\n').slice(-40).join('\n')).join('\n----\n');

  async function call(path: string, init: RequestInit = {}, bearer = token) {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
    };
  }

  /** An operator's run-now of a schedule, waited for until it succeeded. */
  async function runSchedule(id: string): Promise<void> {
    const { status, body } = await call(`/v1/admin/schedules/${id}/run`, { method: 'POST' });
    expect(status).toBe(202);
    const runId = (body.run as { id: string }).id;
    await eventually(
      async () =>
        (await db.sql<{ status: string }[]>`select status from job_runs where id = ${runId}`)[0]?.status ===
        'succeeded',
      { timeoutMs: 20_000, explain },
    );
  }

  let userCounter = 0;
  /** A user who connects Google through the real OAuth flow, with one synced meeting and a live channel. */
  async function connectedUser(): Promise<{ userId: string; email: string; bearer: string; eventId: string }> {
    userCounter += 1;
    const email = `user-${userCounter}@channels.test`;
    const { body: user } = await call('/v1/admin/users', {
      method: 'POST',
      body: JSON.stringify({ email, name: `User ${userCounter}`, timezone: 'UTC' }),
    });
    const bearer = user.token as string;
    const userId = (user.user as { id: string } | undefined)?.id ?? (user.id as string);
    const start = new Date(Date.now() + 2 * HOUR);
    const event = google.putEvent(email, {
      summary: 'Planning',
      start,
      end: new Date(start.getTime() + 30 * 60_000),
      attendees: [
        { email, self: true, responseStatus: 'accepted' },
        { email: 'peer@example.com', responseStatus: 'accepted' },
      ],
    });
    google.approveAs(email);
    const { body: connect, headers } = await call('/v1/calendar/google/connect', {}, bearer);
    // The callback is honoured only with the binding cookie of the browser that asked for consent.
    const bound = (headers.getSetCookie()[0] ?? '').split(';')[0]!;
    const consent = await fetch(connect.url as string, { redirect: 'manual' });
    const callback = await fetch(consent.headers.get('location') ?? '', { headers: { cookie: bound } });
    expect(callback.status).toBe(200);
    // No schedule run: the connect's sync request wakes a worker, which opens the channel and syncs.
    await eventually(async () => google.activeChannels(email).length === 1 && (await alertsOf(userId)).length === 1, {
      timeoutMs: 5_000,
      explain,
    });
    return { userId, email, bearer, eventId: event.id };
  }

  /** Pauses the minute's calendar schedules (and waits out a run in progress) while `body` runs. */
  async function withoutCalendarSchedules(body: () => Promise<void>): Promise<void> {
    const ids = ['calendar-sync', 'calendar-channels'];
    const enable = async (enabled: boolean) => {
      for (const id of ids)
        expect(
          (await call(`/v1/admin/schedules/${id}`, { method: 'PATCH', body: JSON.stringify({ enabled }) })).status,
        ).toBe(200);
    };
    await enable(false);
    try {
      await eventually(
        async () =>
          (await db.sql`select 1 from job_runs where schedule_id = any(${ids}) and status = 'running'`).length === 0,
        { timeoutMs: 20_000, explain },
      );
      await body();
    } finally {
      await enable(true);
    }
  }

  async function alertsOf(userId: string) {
    return db.sql<{ id: string; state: string; due_at: Date; title: string }[]>`
      select a.id, a.state, a.due_at, m.title from alerts a join meetings m on m.id = a.meeting_id where a.user_id = ${userId} order by a.created_at`;
  }

  async function syncRunsOf(userId: string): Promise<number> {
    const [row] = await db.sql<
      { count: number }[]
    >`select count(*)::int as count from sync_runs where user_id = ${userId}`;
    return row?.count ?? 0;
  }

  async function within2s(check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    await eventually(check, { timeoutMs: 2_000, explain });
    return Date.now() - started;
  }

  it('a new connection gets its channel and its first sync right away, with no schedule running', async () => {
    await withoutCalendarSchedules(async () => {
      // connectedUser waits (5 s at most) for the live channel and the planned alert.
      const { userId, email } = await connectedUser();
      expect(google.activeChannels(email)).toHaveLength(1);
      const channels = await db.sql`select state from calendar_channels where user_id = ${userId}`;
      expect(channels).toEqual([{ state: 'live' }]);
      expect(await syncRunsOf(userId)).toBe(1);
    });
  });

  it('a moved, new, declined and cancelled meeting re-plans or cancels the alert within 2 s, through notifications alone', async () => {
    const { userId, email, eventId } = await connectedUser();
    const [first] = await alertsOf(userId);
    const moved = new Date(Date.now() + 3 * HOUR);
    google.modifyEvent(email, eventId, { start: moved, end: new Date(moved.getTime() + 30 * 60_000) });
    await within2s(async () => (await alertsOf(userId))[0]?.due_at.getTime() === moved.getTime() - 600_000);

    const added = google.putEvent(email, {
      summary: 'Retro',
      start: new Date(Date.now() + 4 * HOUR),
      end: new Date(Date.now() + 5 * HOUR),
    });
    await within2s(async () => (await alertsOf(userId)).some((a) => a.title === 'Retro' && a.state === 'scheduled'));

    google.modifyEvent(email, eventId, {
      attendees: [
        { email, self: true, responseStatus: 'declined' },
        { email: 'peer@example.com', responseStatus: 'accepted' },
      ],
    });
    await within2s(async () => (await alertsOf(userId)).find((a) => a.id === first?.id)?.state === 'cancelled');

    google.cancelEvent(email, added.id);
    await within2s(async () => (await alertsOf(userId)).find((a) => a.title === 'Retro')?.state === 'cancelled');
    expect(workers.flatMap((w) => w.events('calendar.targeted.synced')).length).toBeGreaterThanOrEqual(4);
  });

  it('forged, replayed, unknown-channel and wrong-token notifications are refused and change nothing', async () => {
    const { userId, email, eventId } = await connectedUser();
    // One genuine change first, so the message replayed below is one the api took.
    const before = new Date(Date.now() + 5 * HOUR);
    google.modifyEvent(email, eventId, { start: before, end: new Date(before.getTime() + 1_800_000) });
    await within2s(async () => (await alertsOf(userId))[0]?.due_at.getTime() === before.getTime() - 600_000);
    await google.notificationsSettled();
    await eventually(async () => (await db.sql`select 1 from calendar_sync_requests`).length === 0);
    const channel = google.activeChannels(email)[0]!;
    const runsBefore = await syncRunsOf(userId);
    const alertsBefore = await alertsOf(userId);
    const genuine = {
      'x-goog-channel-id': channel.id,
      'x-goog-channel-token': channel.token ?? '',
      'x-goog-resource-id': channel.resourceId,
      'x-goog-resource-state': 'exists',
      'x-goog-message-number': String(channel.messageNumber),
    };
    const notify = async (headers: Record<string, string>) =>
      (await fetch(`${base}/v1/calendar/google/notifications`, { method: 'POST', headers })).status;
    expect(await notify({ ...genuine, 'x-goog-channel-id': 'c0ffee00-0000-4000-8000-000000000000' })).toBe(404);
    expect(await notify({ ...genuine, 'x-goog-channel-token': 'guessed' })).toBe(404);
    expect(await notify({ ...genuine, 'x-goog-resource-id': 'another-calendar' })).toBe(404);
    expect(await notify({ ...genuine, 'x-goog-channel-token': '' })).toBe(404);
    expect(await notify({ 'x-goog-channel-id': channel.id })).toBe(404);
    expect(await notify({ ...genuine, 'x-goog-message-number': '1e3' })).toBe(404);
    expect(await notify({ ...genuine, 'x-goog-channel-id': "x' or '1'='1" })).toBe(404);
    // The last message Google delivered, sent again: answered (it is genuine) but not acted on.
    expect(await notify(genuine)).toBe(200);
    await sleep(1_000);
    expect(await syncRunsOf(userId)).toBe(runsBefore);
    expect(await alertsOf(userId)).toEqual(alertsBefore);
    const [queued] = await db.sql<{ count: number }[]>`select count(*)::int as count from calendar_sync_requests`;
    expect(queued?.count).toBe(0);
    expect(api.events('calendar.notification.refused').map((line) => line.outcome)).toEqual(
      expect.arrayContaining(['unknown_channel', 'mismatch', 'malformed']),
    );
    // The genuine channel still works afterwards.
    const moved = new Date(Date.now() + 6 * HOUR);
    google.modifyEvent(email, eventId, { start: moved, end: new Date(moved.getTime() + 1_800_000) });
    await within2s(async () => (await alertsOf(userId))[0]?.due_at.getTime() === moved.getTime() - 600_000);
  });

  it('a lost notification is caught by the safety poll', async () => {
    const { userId, email, eventId } = await connectedUser();
    google.loseNotifications(email, 1);
    const moved = new Date(Date.now() + 7 * HOUR);
    google.modifyEvent(email, eventId, { start: moved, end: new Date(moved.getTime() + 1_800_000) });
    await sleep(1_500);
    expect((await alertsOf(userId))[0]?.due_at.getTime()).not.toBe(moved.getTime() - 600_000);
    // A minute tick skips a user with a live channel until the safety interval has passed…
    await runSchedule('calendar-sync');
    expect((await alertsOf(userId))[0]?.due_at.getTime()).not.toBe(moved.getTime() - 600_000);
    // …and after it (ten hours since the last sync), the poll finds the change.
    await db.sql`update calendar_sync_state set last_synced_at = now() - interval '11 hours'
                 where credential_id = (select id from calendar_credentials where user_id = ${userId})`;
    await runSchedule('calendar-sync');
    expect((await alertsOf(userId))[0]?.due_at.getTime()).toBe(moved.getTime() - 600_000);
  });

  it('renewal replaces the channel before it expires, leaving exactly one live channel with two replicas', async () => {
    const { userId, email, eventId } = await connectedUser();
    const [old] = google.activeChannels(email);
    // The channel is close to its expiry: within the last quarter of its lifetime.
    await db.sql`update calendar_channels set expires_at = now() + interval '1 hour' where user_id = ${userId} and state = 'live'`;
    await Promise.all([runSchedule('calendar-channels'), runSchedule('calendar-channels')]);
    const active = google.activeChannels(email);
    expect(active).toHaveLength(1);
    expect(active[0]?.id).not.toBe(old?.id);
    const rows = await db.sql<
      { id: string; state: string; stop_reason: string | null }[]
    >`select id, state, stop_reason from calendar_channels where user_id = ${userId} order by created_at`;
    expect(rows.map((row) => [row.state, row.stop_reason])).toEqual([
      ['stopped', 'renewed'],
      ['live', null],
    ]);
    expect(rows[1]?.id).toBe(active[0]?.id);
    // The old channel expiring changes nothing: the new one delivers.
    google.expireChannel(old!.id);
    const moved = new Date(Date.now() + 8 * HOUR);
    google.modifyEvent(email, eventId, { start: moved, end: new Date(moved.getTime() + 1_800_000) });
    await within2s(async () => (await alertsOf(userId))[0]?.due_at.getTime() === moved.getTime() - 600_000);
  });

  it('disconnecting stops the channel at Google', async () => {
    const { userId, email, bearer } = await connectedUser();
    expect((await call('/v1/calendar/google', { method: 'DELETE' }, bearer)).status).toBe(204);
    expect(google.activeChannels(email)).toHaveLength(0);
    const [row] = await db.sql<
      { state: string; stop_reason: string }[]
    >`select state, stop_reason from calendar_channels where user_id = ${userId}`;
    expect(row).toEqual({ state: 'stopped', stop_reason: 'disconnected' });
  });

  it('a revoked grant ends the channel: Google stops it and the worker closes it', async () => {
    const { userId, email, eventId } = await connectedUser();
    google.revokeUser(email);
    expect(google.activeChannels(email)).toHaveLength(0);
    // The next sync meets invalid_grant and revokes the credential; the channel run closes its channel.
    await db.sql`update calendar_sync_state set last_synced_at = now() - interval '11 hours'
                 where credential_id = (select id from calendar_credentials where user_id = ${userId})`;
    await runSchedule('calendar-sync');
    await runSchedule('calendar-channels');
    const [row] = await db.sql<
      { state: string; stop_reason: string }[]
    >`select state, stop_reason from calendar_channels where user_id = ${userId}`;
    expect(row).toEqual({ state: 'stopped', stop_reason: 'revoked' });
    expect(eventId).toEqual(expect.any(String));
  });
});
