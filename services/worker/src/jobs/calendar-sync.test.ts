import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TokenCipher } from '@nudge/calendar';
import { parseWorkerConfig } from '@nudge/config';
import { systemClock } from '@nudge/domain';
import { capturingLogger, GoogleEmulator, insertUser, roleEnv } from '@nudge/testkit';
import { useTestDatabase } from '@nudge/testkit/jest';
import {
  calendarSyncDeps,
  syncAllCalendars,
  type CalendarSyncDeps,
  type CalendarSyncOverrides,
} from './calendar-sync.js';
import type { SyncRunRow } from '../calendar/sync-runs.js';

const KEY = Buffer.alloc(32, 3);
const HOUR = 3_600_000;

const db = useTestDatabase();
let google: GoogleEmulator;
const cipher = new TokenCipher([KEY]);

beforeAll(async () => {
  google = await GoogleEmulator.start();
});
afterAll(async () => {
  await google.close();
});

/** Sync deps against the emulator, logging into `lines`; fast retries so tests do not wait. */
function syncDeps(overrides: CalendarSyncOverrides = {}): { deps: CalendarSyncDeps; lines: Record<string, unknown>[] } {
  const config = parseWorkerConfig(
    roleEnv(db.url, {
      ...google.endpointEnv(),
      CREDENTIALS_ENCRYPTION_KEY: KEY.toString('base64'),
    }),
  );
  const { logger, lines } = capturingLogger('worker');
  const deps = calendarSyncDeps(
    config,
    { sql: db.sql, logger, clock: systemClock },
    {
      ...overrides,
      policy: { baseDelayMs: 10, maxRetries: 2, ...overrides.policy },
    },
  );
  return { deps, lines };
}

let userCounter = 0;

/** A user who connected Google: tokens from the emulator, stored encrypted as the api stores them. */
async function connectedUser(name = 'user'): Promise<{ userId: string; email: string }> {
  userCounter += 1;
  const email = `${name}-${userCounter}@sync.test`;
  const { userId } = await insertUser(db.sql, { email });
  const tokens = google.grantTokens(email);
  await db.sql`
    insert into calendar_credentials (user_id, refresh_token_enc, access_token_enc, expires_at, scopes)
    values (${userId}, ${cipher.encrypt(tokens.refresh_token ?? '', userId)}, ${cipher.encrypt(tokens.access_token, userId)},
            ${new Date(Date.now() + tokens.expires_in * 1000)}, ${[tokens.scope]})`;
  return { userId, email };
}

function meeting(hoursFromNow: number, summary: string, extra: object = {}) {
  const start = new Date(Date.now() + hoursFromNow * HOUR);
  return { summary, start, end: new Date(start.getTime() + 30 * 60_000), ...extra };
}

type RunRow = Omit<SyncRunRow, 'id' | 'user_id' | 'started_at'>;

async function runsOf(userId: string): Promise<RunRow[]> {
  return db.sql<RunRow[]>`
    select from_date, run_to_completion, created_count, updated_count, cancelled_count, skipped_count, pages, error, finished_at
    from sync_runs where user_id = ${userId} order by id`;
}

async function meetingsOf(userId: string) {
  return db.sql<
    {
      id: string;
      external_id: string;
      title: string;
      starts_at: Date;
      status: string;
      self_response: string | null;
      attendee_count: number;
      conference_url: string | null;
      provider_updated_at: Date | null;
    }[]
  >`
    select id, external_id, title, starts_at, status, self_response, attendee_count, conference_url, provider_updated_at
    from meetings where user_id = ${userId} order by starts_at`;
}

async function alertsOf(userId: string) {
  return db.sql<
    { meeting_id: string; state: string; due_at: Date }[]
  >`select meeting_id, state, due_at from alerts where user_id = ${userId}`;
}

/** Runs one tick with only this user's credential live, so tests do not sync each other's users. */
async function syncOnly(userIds: string[], deps: CalendarSyncDeps) {
  await db.sql`update calendar_credentials set revoked = (user_id <> all(${userIds}::uuid[])) where revoked_reason is null`;
  return syncAllCalendars(deps, new Date());
}

const events = (lines: Record<string, unknown>[], event: string) => lines.filter((line) => line.event === event);

describe('calendar sync', () => {
  it('first sync: every page of the window, meetings recorded field by field, a sync_runs row, alerts planned', async () => {
    const { userId, email } = await connectedUser('pages');
    const self = { email, self: true, responseStatus: 'accepted' as const };
    const other = { email: 'x@example.com', responseStatus: 'accepted' as const };
    google.putEvent(email, {
      ...meeting(1, 'standup', { attendees: [self, other], hangoutLink: 'https://meet.google.com/abc-defg-hij' }),
      id: 'ev-standup',
    });
    google.putEvent(
      email,
      meeting(2, 'video', {
        attendees: [self],
        conferenceData: {
          entryPoints: [
            { entryPointType: 'phone', uri: 'tel:+1' },
            { entryPointType: 'video', uri: 'https://zoom.example/j/1' },
          ],
        },
      }),
    );
    for (let i = 3; i <= 7; i += 1) google.putEvent(email, meeting(i, `m${i}`));
    google.putEvent(email, meeting(-72, 'three days ago'));
    google.putEvent(email, meeting(24 * 30, 'next month'));
    const { deps, lines } = syncDeps({ settings: { pageSize: 3 } });

    const summary = await syncOnly([userId], deps);
    expect(summary).toMatchObject({ users: 1, succeeded: 1, failed: 0 });

    const requests = google.calendarRequests(email);
    expect(requests).toHaveLength(3);
    expect(requests[0]?.query).toMatchObject({
      singleEvents: 'true',
      maxResults: '3',
      timeMin: expect.any(String),
      timeMax: expect.any(String),
    });
    expect(Date.parse(requests[0]?.query.timeMax ?? '') - Date.now()).toBeGreaterThan(13.9 * 24 * HOUR);
    expect(requests[1]?.query.pageToken).toEqual(expect.any(String));

    const stored = await meetingsOf(userId);
    expect(stored.map((m) => m.title)).toEqual(['standup', 'video', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(stored[0]).toMatchObject({
      external_id: 'ev-standup',
      status: 'confirmed',
      self_response: 'accepted',
      attendee_count: 2,
      conference_url: 'https://meet.google.com/abc-defg-hij',
    });
    expect(stored[0]?.provider_updated_at).toBeInstanceOf(Date);
    expect(stored[1]).toMatchObject({ conference_url: 'https://zoom.example/j/1', attendee_count: 1 });
    expect(stored[2]).toMatchObject({ self_response: null, attendee_count: 0, conference_url: null });

    const [run] = await runsOf(userId);
    expect(run).toMatchObject({
      run_to_completion: true,
      created_count: 7,
      updated_count: 0,
      cancelled_count: 0,
      pages: 3,
      error: null,
    });
    expect(Math.abs(run!.from_date.getTime() - (Date.now() - 24 * HOUR))).toBeLessThan(60_000);
    const [state] = await db.sql<{ sync_token: string | null; last_full_sync_at: Date | null }[]>`
      select s.sync_token, s.last_full_sync_at from calendar_sync_state s join calendar_credentials c on c.id = s.credential_id where c.user_id = ${userId}`;
    expect(state?.sync_token).toEqual(expect.any(String));
    expect(state?.last_full_sync_at).toBeInstanceOf(Date);

    // The planner was handed the new meetings: each has its alert.
    const alerts = await alertsOf(userId);
    expect(alerts.map((a) => a.meeting_id).sort()).toEqual(stored.map((m) => m.id).sort());

    expect(events(lines, 'scheduler.tick.started')).toHaveLength(1);
    expect(events(lines, 'calendar.users.found')[0]).toMatchObject({ count: 1 });
    expect(events(lines, 'calendar.sync.completed')[0]).toMatchObject({
      user_id: userId,
      full: true,
      created: 7,
      pages: 3,
    });
    expect(events(lines, 'scheduler.tick.completed')[0]).toMatchObject({
      succeeded: 1,
      failed: 0,
      ms: expect.any(Number),
    });
  });

  it('incremental: only changes, moves re-planned, cancellations and declined invitations recorded, far events ignored', async () => {
    const { userId, email } = await connectedUser('incremental');
    const self = (responseStatus: 'accepted' | 'declined') => [
      { email, self: true, responseStatus },
      { email: 'boss@example.com', responseStatus: 'accepted' as const },
    ];
    const moved = google.putEvent(email, meeting(3, 'moved', { attendees: self('accepted') }));
    const cancelled = google.putEvent(email, meeting(4, 'cancelled', { attendees: self('accepted') }));
    const declined = google.putEvent(email, meeting(5, 'declined', { attendees: self('accepted') }));
    google.putEvent(email, meeting(6, 'untouched'));
    const { deps } = syncDeps();
    await syncOnly([userId], deps);
    const before = new Map((await alertsOf(userId)).map((a) => [a.meeting_id, a]));
    const requestsBefore = google.calendarRequests(email).length;

    google.modifyEvent(email, moved.id, {
      start: new Date(Date.now() + 8 * HOUR),
      end: new Date(Date.now() + 9 * HOUR),
    });
    google.cancelEvent(email, cancelled.id);
    google.modifyEvent(email, declined.id, { attendees: self('declined') });
    google.putEvent(email, meeting(24 * 40, 'beyond the horizon'));
    google.putEvent(email, meeting(10, 'new'));
    await syncOnly([userId], deps);

    const incremental = google.calendarRequests(email).slice(requestsBefore);
    expect(incremental).toHaveLength(1);
    expect(incremental[0]?.query.syncToken).toEqual(expect.any(String));
    expect(incremental[0]?.query.timeMin).toBeUndefined();
    const runs = await runsOf(userId);
    expect(runs[1]).toMatchObject({
      run_to_completion: true,
      created_count: 1,
      updated_count: 2,
      cancelled_count: 1,
      skipped_count: 1,
      pages: 1,
    });

    const byTitle = new Map((await meetingsOf(userId)).map((m) => [m.title, m]));
    expect(byTitle.has('beyond the horizon')).toBe(false);
    expect(byTitle.get('cancelled')).toMatchObject({ status: 'cancelled' });
    expect(byTitle.get('declined')).toMatchObject({ status: 'confirmed', self_response: 'declined' });
    const after = new Map((await alertsOf(userId)).map((a) => [a.meeting_id, a]));
    expect(after.get(byTitle.get('cancelled')!.id)?.state).toBe('cancelled');
    expect(after.get(byTitle.get('declined')!.id)?.state).toBe('cancelled');
    const movedId = byTitle.get('moved')!.id;
    expect(after.get(movedId)?.due_at.getTime()).toBeGreaterThan(before.get(movedId)!.due_at.getTime() + 4 * HOUR);
    expect(after.get(byTitle.get('new')!.id)?.state).toBe('scheduled');

    // Nothing changed since: an empty page, nothing written, nothing planned.
    await syncOnly([userId], deps);
    expect((await runsOf(userId))[2]).toMatchObject({
      run_to_completion: true,
      created_count: 0,
      updated_count: 0,
      cancelled_count: 0,
      pages: 1,
    });
  });

  it('a 410 for a stale sync token drops it and lists everything again in the same run', async () => {
    const { userId, email } = await connectedUser('stale');
    const kept = google.putEvent(email, meeting(2, 'kept'));
    const deleted = google.putEvent(email, meeting(3, 'deleted while stale'));
    const { deps } = syncDeps();
    await syncOnly([userId], deps);
    google.cancelEvent(email, deleted.id);
    google.invalidateSyncTokens(email);
    const requestsBefore = google.calendarRequests(email).length;

    const summary = await syncOnly([userId], deps);
    expect(summary).toMatchObject({ succeeded: 1, failed: 0 });
    const calls = google.calendarRequests(email).slice(requestsBefore);
    expect(calls.map((r) => (r.query.syncToken === undefined ? 'full' : 'incremental'))).toEqual([
      'incremental',
      'full',
    ]);
    const runs = await runsOf(userId);
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ run_to_completion: true, cancelled_count: 1, error: null });
    const byId = new Map((await meetingsOf(userId)).map((m) => [m.external_id, m.status]));
    expect(byId.get(kept.id)).toBe('confirmed');
    expect(byId.get(deleted.id)).toBe('cancelled');
  });

  it('invalid_grant revokes the credential once, with the reason, and the user is never synced again', async () => {
    const { userId, email } = await connectedUser('revoked');
    google.putEvent(email, meeting(2, 'a'));
    google.revokeUser(email);
    const { deps, lines } = syncDeps();

    const first = await syncOnly([userId], deps);
    expect(first).toMatchObject({ users: 1, succeeded: 0, failed: 1 });
    const [credential] = await db.sql<{ revoked: boolean; revoked_reason: string | null; revoked_at: Date | null }[]>`
      select revoked, revoked_reason, revoked_at from calendar_credentials where user_id = ${userId}`;
    expect(credential).toMatchObject({
      revoked: true,
      revoked_reason: expect.stringContaining('invalid_grant'),
      revoked_at: expect.any(Date),
    });
    expect(events(lines, 'calendar.credential.revoked')).toEqual([expect.objectContaining({ user_id: userId })]);
    expect(events(lines, 'calendar.sync.failed')).toEqual([
      expect.objectContaining({ user_id: userId, reason: 'invalid_grant' }),
    ]);
    expect((await runsOf(userId))[0]).toMatchObject({
      run_to_completion: false,
      error: expect.stringMatching(/^invalid_grant/),
    });

    const requests = google.requests.items.length;
    const second = await syncAllCalendars(deps, new Date());
    expect(second.users).toBe(0);
    expect(google.requests.items.length).toBe(requests);
    expect(events(lines, 'calendar.credential.revoked')).toHaveLength(1);
    expect(await runsOf(userId)).toHaveLength(1);
  });

  it('a 401 refreshes the access token once, keeps the new one encrypted, and the sync goes on', async () => {
    const { userId, email } = await connectedUser('expired');
    google.putEvent(email, meeting(2, 'after refresh'));
    google.expireAccessTokens(email);
    const [before] = await db.sql<
      { access_token_enc: string }[]
    >`select access_token_enc from calendar_credentials where user_id = ${userId}`;
    const { deps } = syncDeps();
    const from = google.requests.items.length;

    expect(await syncOnly([userId], deps)).toMatchObject({ succeeded: 1 });
    expect(google.requests.items.slice(from).map((r) => r.path)).toEqual([
      '/calendar/v3/calendars/primary/events',
      '/token',
      '/calendar/v3/calendars/primary/events',
    ]);
    expect((await meetingsOf(userId)).map((m) => m.title)).toEqual(['after refresh']);
    const [after] = await db.sql<
      { access_token_enc: string }[]
    >`select access_token_enc from calendar_credentials where user_id = ${userId}`;
    expect(after!.access_token_enc).not.toBe(before!.access_token_enc);
    expect(cipher.decrypt(after!.access_token_enc, userId)).toMatch(/^ya29\.emu-/);
    expect(after!.access_token_enc).not.toContain('ya29');
  });

  it('a second 401 after the refresh fails the user instead of looping', async () => {
    const { userId, email } = await connectedUser('unauthorized');
    google.failNext(email, { kind: 'status', status: 401 }, 2);
    const { deps } = syncDeps();
    expect(await syncOnly([userId], deps)).toMatchObject({ failed: 1 });
    expect(google.calendarRequests(email)).toHaveLength(2);
    expect((await runsOf(userId))[0]?.error).toMatch(/^http_401/);
  });

  it('rate limits back off as long as Retry-After says, with jitter, then succeed', async () => {
    const { userId, email } = await connectedUser('throttled');
    google.putEvent(email, meeting(2, 'eventually'));
    google.failNext(email, { kind: 'status', status: 403, reason: 'rateLimitExceeded', retryAfterSeconds: 1 });
    google.failNext(email, { kind: 'status', status: 429, retryAfterSeconds: 1 });
    const { deps } = syncDeps();

    expect(await syncOnly([userId], deps)).toMatchObject({ succeeded: 1 });
    const at = google.calendarRequests(email).map((r) => r.at.getTime());
    expect(at).toHaveLength(3);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(1_000);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1_000);
    expect((await meetingsOf(userId)).map((m) => m.title)).toEqual(['eventually']);
  });

  it('isolates users: one 500, one garbage JSON and one hanging past its timeout while 47 others sync in the same tick', async () => {
    const healthy = await Promise.all(Array.from({ length: 47 }, () => connectedUser('healthy')));
    const failing = await connectedUser('failing');
    const garbage = await connectedUser('garbage');
    const hanging = await connectedUser('hanging');
    for (const user of [...healthy, failing, garbage, hanging]) google.putEvent(user.email, meeting(2, 'weekly'));
    google.failNext(failing.email, { kind: 'status', status: 500 }, Infinity);
    google.failNext(garbage.email, { kind: 'malformed-json' });
    google.failNext(hanging.email, { kind: 'hang' });
    const { deps, lines } = syncDeps({ userTimeoutMs: 1_500, concurrency: 8 });

    const started = Date.now();
    const summary = await syncOnly(
      [...healthy, failing, garbage, hanging].map((u) => u.userId),
      deps,
    );
    google.clearFailures(failing.email);
    expect(summary).toMatchObject({ users: 50, succeeded: 47, failed: 3 });
    expect(Date.now() - started).toBeLessThan(10_000);

    const failures = new Map(events(lines, 'calendar.sync.failed').map((line) => [line.user_id, line.reason]));
    expect(failures).toEqual(
      new Map([
        [failing.userId, 'http_500_backendError'],
        [garbage.userId, 'malformed_response'],
        [hanging.userId, 'timeout'],
      ]),
    );
    const completed = new Set(events(lines, 'calendar.sync.completed').map((line) => line.user_id));
    expect(completed).toEqual(new Set(healthy.map((u) => u.userId)));
    expect(events(lines, 'scheduler.tick.completed')).toEqual([expect.objectContaining({ succeeded: 47, failed: 3 })]);
    // Bounded retries: the first call and two more.
    expect(google.calendarRequests(failing.email)).toHaveLength(3);

    const runs = await db.sql<
      { user_id: string; run_to_completion: boolean; error: string | null; finished_at: Date | null }[]
    >`
      select user_id, run_to_completion, error, finished_at from sync_runs
      where user_id in ${db.sql([...healthy, failing, garbage, hanging].map((u) => u.userId))}`;
    expect(runs).toHaveLength(50);
    expect(runs.every((run) => run.finished_at !== null)).toBe(true);
    expect(runs.filter((run) => run.run_to_completion && run.error === null)).toHaveLength(47);
    const errors = new Map(
      runs.filter((run) => run.error !== null).map((run) => [run.user_id, run.error?.split(':')[0]]),
    );
    expect(errors).toEqual(
      new Map([
        [failing.userId, 'http_500_backendError'],
        [garbage.userId, 'malformed_response'],
        [hanging.userId, 'timeout'],
      ]),
    );
    expect(await db.sql`select 1 from meetings where user_id in ${db.sql(healthy.map((u) => u.userId))}`).toHaveLength(
      47,
    );
  });

  it('opens the circuit when Google keeps failing, so the remaining users fail fast instead of retrying', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => connectedUser('outage')));
    for (const user of users) google.failNext(user.email, { kind: 'status', status: 503 }, Infinity);
    const { deps, lines } = syncDeps({
      concurrency: 1,
      policy: { breakerMinimumRps: 0.1, breakerThreshold: 0.5, halfOpenAfterMs: 60_000 },
    });

    const summary = await syncOnly(
      users.map((u) => u.userId),
      deps,
    );
    for (const user of users) google.clearFailures(user.email);
    expect(summary).toMatchObject({ users: 12, failed: 12 });
    const reasons = events(lines, 'calendar.sync.failed').map((line) => line.reason);
    expect(reasons.filter((reason) => reason === 'circuit_open').length).toBeGreaterThanOrEqual(10);
    const calls = users.reduce((sum, user) => sum + google.calendarRequests(user.email).length, 0);
    expect(calls).toBeLessThan(6);
    expect(deps.policy.breaker.state).toBe(1 /* CircuitState.Open */);
  });
});
