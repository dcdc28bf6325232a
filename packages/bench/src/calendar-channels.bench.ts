import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { planAlerts } from '@nudge/alerts';
import { TokenCipher } from '@nudge/calendar';
import {
  ANY,
  createTestDatabase,
  freePort,
  GoogleEmulator,
  roleEnv,
  startRole,
  type RoleProcess,
  type TestDatabase,
} from '@nudge/testkit';
import type { CalendarTickSummary } from '@nudge/worker';
import { percentile, printFigure, printSection, printTargets, ratio } from './report.js';

const POLL_CHILD = fileURLToPath(new URL('./calendar-sync-child.js', import.meta.url));
const CHANNELS_CHILD = fileURLToPath(new URL('./calendar-channels-child.js', import.meta.url));
/** The issue's scale; a smaller one is for trying the benchmark out. */
export interface ChannelsScale {
  users: number;
  burst: number;
  steadyMinutes: number;
}
const ISSUE_SCALE: ChannelsScale = { users: 20_000, burst: 5_000, steadyMinutes: 2 };
const LATENCY_MS = 20;
const BUDGET_PER_MINUTE = 8_000;
/** What the limiter grants per one-second window (GoogleQuota: the minute's budget over 60 windows, rounded down). */
const PER_SECOND = Math.floor(BUDGET_PER_MINUTE / 60);
const CONCURRENCY = 16;
const POOL_MAX = 10;
/** Targeted syncs at once: enough that the budget (133 requests a second), not the worker, bounds a burst. */
const CHANNELS_CONCURRENCY = 64;
const CHANNELS_POOL_MAX = 20;
const KEY = Buffer.alloc(32, 11);
const HOUR = 3_600_000;

interface Seeded {
  users: { id: string; email: string; eventId: string; startsAt: number }[];
}

/**
 * 20,000 users as a deployment has them after their first sync and channel: one meeting each
 * in the emulator and in `meetings` with its alert, a current sync token, and a live channel
 * opened through the emulator's events.watch (only its token hash stored, as the worker does).
 */
async function seed(db: TestDatabase, google: GoogleEmulator, address: string, USERS: number): Promise<Seeded> {
  const cipher = new TokenCipher([KEY]);
  const [org] = await db.sql<{ id: string }[]>`insert into organizations (name) values ('Bench') returning id`;
  const seeded: Seeded = { users: [] };
  for (let offset = 0; offset < USERS; offset += 2_000) {
    const count = Math.min(2_000, USERS - offset);
    const users = await db.sql<{ id: string; email: string }[]>`
      insert into users ${db.sql(Array.from({ length: count }, (_, i) => ({ org_id: org!.id, email: `ch-${offset + i}@bench.test`, name: `User ${offset + i}` })))}
      returning id, email`;
    const rows = users.map((user, i) => {
      const tokens = google.grantTokens(user.email);
      const startsAt = Date.now() + 2 * HOUR + ((offset + i) % 600) * 60_000;
      const event = google.putEvent(user.email, {
        summary: 'Standup',
        start: new Date(startsAt),
        end: new Date(startsAt + 30 * 60_000),
        attendees: [
          { email: user.email, self: true, responseStatus: 'accepted' },
          { email: 'peer@example.com', responseStatus: 'accepted' },
        ],
      });
      seeded.users.push({ id: user.id, email: user.email, eventId: event.id, startsAt });
      return { user, tokens, event, startsAt };
    });
    const credentials = await db.sql<{ id: string; user_id: string }[]>`
      insert into calendar_credentials ${db.sql(
        rows.map(({ user, tokens }) => ({
          user_id: user.id,
          refresh_token_enc: cipher.encrypt(tokens.refresh_token ?? '', user.id),
          access_token_enc: cipher.encrypt(tokens.access_token, user.id),
          expires_at: new Date(Date.now() + tokens.expires_in * 1000),
          scopes: [tokens.scope],
        })),
      )} returning id, user_id`;
    const credentialOf = new Map(credentials.map((c) => [c.user_id, c.id]));
    await db.sql`insert into calendar_sync_state ${db.sql(rows.map(({ user }) => ({ credential_id: credentialOf.get(user.id)!, calendar_id: 'primary', sync_token: google.currentSyncToken(user.email), last_full_sync_at: new Date(), last_synced_at: new Date() })))}`;
    const meetings = await db.sql<{ id: string }[]>`
      insert into meetings ${db.sql(rows.map(({ user, event, startsAt }) => ({ user_id: user.id, provider: 'google', calendar_id: 'primary', external_id: event.id, title: 'Standup', starts_at: new Date(startsAt), ends_at: new Date(startsAt + 30 * 60_000), status: 'confirmed', self_response: 'accepted', attendee_count: 2 })))}
      returning id`;
    await db.sql.begin((tx) =>
      planAlerts(
        tx,
        meetings.map((m) => m.id),
        new Date(),
      ),
    );
    const limit = pLimit(100);
    const channels = await Promise.all(
      rows.map(({ user, tokens }) =>
        limit(async () => {
          const id = randomUUID();
          const token = randomBytes(32).toString('base64url');
          const response = await fetch(`${google.url}/calendar/v3/calendars/primary/events/watch`, {
            method: 'POST',
            headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ id, type: 'web_hook', address, token }),
          });
          const body = (await response.json()) as { resourceId: string; expiration: string };
          return {
            id,
            user_id: user.id,
            credential_id: credentialOf.get(user.id)!,
            resource_id: body.resourceId,
            token_hash: createHash('sha256').update(token).digest('hex'),
            expires_at: new Date(Number(body.expiration)),
            state: 'live',
            last_message_number: 1,
          };
        }),
      ),
    );
    await db.sql`insert into calendar_channels ${db.sql(channels)}`;
  }
  return seeded;
}

function spawnChild(
  script: string,
  input: object,
): { child: ChildProcessWithoutNullStreams; next: () => Promise<Record<string, unknown>> } {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  child.stdin.write(`${JSON.stringify(input)}\n`);
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return { child, next: async () => JSON.parse(String((await replies.next()).value)) as Record<string, unknown> };
}

/** Minute polling as it was: one incremental sync of every user, no limiter (what it needs, not what it may). */
async function minutePollTick(
  db: TestDatabase,
  google: GoogleEmulator,
): Promise<{ tick: CalendarTickSummary; maxRssMb: number }> {
  const child = spawn(process.execPath, [POLL_CHILD], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(
    JSON.stringify({
      databaseUrl: db.url,
      google: google.clientConfig(),
      keyBase64: KEY.toString('base64'),
      concurrency: CONCURRENCY,
      pageSize: 250,
      poolMax: POOL_MAX,
      ticks: 1,
      alerts: true,
    }),
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the polling process exited with ${code}`);
  const result = JSON.parse(out) as { ticks: CalendarTickSummary[]; maxRssMb: number };
  return { tick: result.ticks[0]!, maxRssMb: result.maxRssMb };
}

/** Moves the user's meeting by an hour; answers when it was moved. */
function moveMeeting(google: GoogleEmulator, user: Seeded['users'][number]): number {
  user.startsAt += HOUR;
  google.modifyEvent(user.email, user.eventId, {
    start: new Date(user.startsAt),
    end: new Date(user.startsAt + 30 * 60_000),
  });
  return Date.now();
}

/** When each changed user's alert was re-planned to the new time (ms), waiting up to `timeoutMs`. */
async function replannedAt(
  db: TestDatabase,
  changed: Map<string, { at: number; startsAt: number }>,
  timeoutMs: number,
): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, number>();
  const ids = [...changed.keys()];
  while (done.size < changed.size && Date.now() < deadline) {
    const rows = await db.sql<{ user_id: string; due_at: Date; updated_at: Date }[]>`
      select user_id, due_at, updated_at from alerts where user_id = any(${ids.filter((id) => !done.has(id))}::uuid[])`;
    for (const row of rows) {
      const change = changed.get(row.user_id)!;
      if (row.due_at.getTime() === change.startsAt - 600_000) done.set(row.user_id, row.updated_at.getTime());
    }
    if (done.size < changed.size) await sleep(250);
  }
  return done;
}

interface BurstStages {
  firstStartMs: number;
  lastStartMs: number;
  p50Ms: number;
  p99Ms: number;
}

/** From the burst's sync_runs: when the targeted syncs started (after the change) and how long each took. */
async function burstStages(db: TestDatabase, userIds: string[], startedMs: number): Promise<BurstStages> {
  const [row] = await db.sql<{ first: number; last: number; p50: number; p99: number }[]>`
    select extract(epoch from min(started_at)) * 1000 as first, extract(epoch from max(started_at)) * 1000 as last,
           percentile_cont(0.5) within group (order by extract(epoch from finished_at - started_at) * 1000) as p50,
           percentile_cont(0.99) within group (order by extract(epoch from finished_at - started_at) * 1000) as p99
    from sync_runs where user_id = any(${userIds}::uuid[]) and started_at >= ${new Date(startedMs)}`;
  return {
    firstStartMs: Number(row?.first ?? Number.NaN) - startedMs,
    lastStartMs: Number(row?.last ?? Number.NaN) - startedMs,
    p50Ms: Number(row?.p50 ?? Number.NaN),
    p99Ms: Number(row?.p99 ?? Number.NaN),
  };
}

/** Requests per second over the busy span (from the first second with requests to the last), against the limiter's. */
function describeRate(seen: [number, number][], limit: number): string {
  const perSecond = seen.map(([, total], i) => total - (seen[i - 1]?.[1] ?? 0));
  const first = perSecond.findIndex((n) => n > 0);
  const last = perSecond.length - 1 - [...perSecond].reverse().findIndex((n) => n > 0);
  if (first < 0) return 'none';
  const busy = perSecond.slice(first, last + 1);
  const mean = busy.reduce((sum, n) => sum + n, 0) / busy.length;
  return `${mean.toFixed(0)}/s mean over ${busy.length} s (limit ${limit}/s), lowest ${Math.min(...busy.slice(0, -1), mean).toFixed(0)}/s, highest ${Math.max(...busy)}/s`;
}

/**
 * `pnpm bench calendar`, push channels: 20,000 users against the emulator (20 ms per request,
 * Google's per-minute limits on). Side by side in one run: what minute polling needs (one
 * incremental tick over every user), and the worker with channels in steady state (1% of users
 * moving a meeting each minute) and under a burst of 5,000 changes in one minute.
 */
export async function calendarChannels(scale: ChannelsScale = ISSUE_SCALE): Promise<void> {
  const { users: USERS, burst: BURST, steadyMinutes: STEADY_MINUTES } = scale;
  const CHANGING_PER_MINUTE = USERS / 100;
  printSection(
    `calendar channels: ${USERS.toLocaleString('en')} users, ${LATENCY_MS} ms per request, ${CHANGING_PER_MINUTE} changes/min, burst ${BURST.toLocaleString('en')}, budget ${BUDGET_PER_MINUTE}/min, ${CHANNELS_CONCURRENCY} targeted syncs at once`,
  );
  const google = await GoogleEmulator.start({ recordRequests: false });
  google.setLatency(ANY, LATENCY_MS);
  const db = await createTestDatabase();
  const apiPort = await freePort();
  const base = `http://127.0.0.1:${apiPort}`;
  const started: RoleProcess[] = [];
  let worker: ReturnType<typeof spawnChild> | undefined;
  try {
    await startRole(
      'api',
      roleEnv(db.url, {
        PUBLIC_BASE_URL: base,
        LOG_LEVEL: 'warn',
        DB_POOL_MAX: '10',
        CREDENTIALS_ENCRYPTION_KEY: KEY.toString('base64'),
        GOOGLE_CLIENT_ID: google.client.clientId,
        GOOGLE_CLIENT_SECRET: google.client.clientSecret,
        GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
        GOOGLE_API_ROOT_URL: google.url,
      }),
      { port: apiPort, timeoutMs: 30_000, started },
    );
    const address = `${base}/v1/calendar/google/notifications`;
    const seedStarted = Date.now();
    const seeded = await seed(db, google, address, USERS);
    await google.notificationsSettled();
    printFigure(
      'seeded',
      `${USERS.toLocaleString('en')} users with a meeting, an alert and a live channel in ${((Date.now() - seedStarted) / 1000).toFixed(0)} s`,
    );

    // Baseline: one minute of minute polling is one incremental tick over every user.
    const before = google.quota.total;
    const poll = await minutePollTick(db, google);
    const pollPerMinute = google.quota.total - before;
    printFigure(
      'baseline: minute polling, requests per minute',
      `${pollPerMinute.toLocaleString('en')} (${poll.tick.users.toLocaleString('en')} users, tick ${(poll.tick.ms / 1000).toFixed(1)} s${poll.tick.ms > 60_000 ? ': longer than the minute it must fit in' : ''})`,
    );

    // The worker with channels, Google's limits enforced from here on.
    google.setQuota({ projectPerMinute: 10_000, userPerMinute: 600 });
    worker = spawnChild(CHANNELS_CHILD, {
      databaseUrl: db.url,
      google: google.clientConfig(),
      keyBase64: KEY.toString('base64'),
      address,
      concurrency: CHANNELS_CONCURRENCY,
      poolMax: CHANNELS_POOL_MAX,
      requestsPerMinute: BUDGET_PER_MINUTE,
    });
    await worker.next();
    const users = [...seeded.users].sort(() => Math.random() - 0.5);
    const steadyUsers = users.slice(0, CHANGING_PER_MINUTE * STEADY_MINUTES);
    const burstUsers = users.slice(CHANGING_PER_MINUTE * STEADY_MINUTES, CHANGING_PER_MINUTE * STEADY_MINUTES + BURST);

    const steadyBefore = google.quota.total;
    const steadyChanges = new Map<string, { at: number; startsAt: number }>();
    const steadyStarted = Date.now();
    for (let minute = 0; minute < STEADY_MINUTES; minute += 1) {
      const tick = worker.next();
      worker.child.stdin.write('tick\n');
      for (let i = 0; i < CHANGING_PER_MINUTE; i += 1) {
        const user = steadyUsers[minute * CHANGING_PER_MINUTE + i]!;
        steadyChanges.set(user.id, { at: moveMeeting(google, user), startsAt: user.startsAt });
        await sleep(
          Math.max(0, steadyStarted + minute * 60_000 + ((i + 1) * 60_000) / CHANGING_PER_MINUTE - Date.now()),
        );
      }
      await tick;
    }
    const steadyReplanned = await replannedAt(db, steadyChanges, 30_000);
    const steadyPerMinute = (google.quota.total - steadyBefore) / STEADY_MINUTES;
    const steadyLatencies = [...steadyChanges]
      .map(([id, change]) => (steadyReplanned.get(id) ?? Number.POSITIVE_INFINITY) - change.at)
      .sort((a, b) => a - b);

    // Burst: 5,000 users change in the same moment.
    const rejectedBefore = google.quota.rejected.project + google.quota.rejected.user;
    const burstBefore = google.quota.total;
    const burstChanges = new Map<string, { at: number; startsAt: number }>();
    const burstStarted = Date.now();
    for (const user of burstUsers)
      burstChanges.set(user.id, { at: moveMeeting(google, user), startsAt: user.startsAt });
    const requestsSeen: [number, number][] = [];
    const sampler = setInterval(
      () => requestsSeen.push([Date.now() - burstStarted, google.quota.total - burstBefore]),
      1_000,
    );
    const notificationsAnsweredMs = google.notificationsSettled().then(() => Date.now() - burstStarted);
    const burstReplanned = await replannedAt(db, burstChanges, 180_000);
    clearInterval(sampler);
    const lastMs = Math.max(...burstReplanned.values()) - burstStarted;
    const burstRequests = google.quota.total - burstBefore;
    const rejected = google.quota.rejected.project + google.quota.rejected.user - rejectedBefore;
    // The limiter grants floor(BUDGET/60) requests in each one-second window; the burst needs
    // `burstRequests` of them, and the last sync ends a moment after its request (+ 2 s).
    const boundMs = (burstRequests / PER_SECOND) * 1000 + 2_000;
    const stages = await burstStages(db, [...burstChanges.keys()], burstStarted);

    worker.child.stdin.write('stop\n');
    const { maxRssMb } = (await worker.next()) as { maxRssMb: number };
    worker.child.stdin.end();

    const share = steadyPerMinute / pollPerMinute;
    const p50 = percentile(steadyLatencies, 50);
    const p99 = percentile(steadyLatencies, 99);
    printFigure(
      'channels: requests per minute (steady)',
      `${steadyPerMinute.toFixed(0)} = ${(share * 100).toFixed(2)} % of minute polling (${ratio(pollPerMinute, steadyPerMinute)} fewer)`,
    );
    printFigure(
      'channels: change → re-planned',
      `p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms (${steadyReplanned.size}/${steadyChanges.size} re-planned)`,
    );
    printFigure(
      `burst: ${BURST.toLocaleString('en')} changes at once`,
      `${burstReplanned.size}/${BURST} re-planned, last after ${(lastMs / 1000).toFixed(1)} s; bound ${(boundMs / 1000).toFixed(1)} s (${burstRequests} requests at ${PER_SECOND}/s, + 2 s)`,
    );
    printFigure(
      'burst: where the time goes',
      `notifications answered by the api after ${((await notificationsAnsweredMs) / 1000).toFixed(1)} s; targeted syncs started ${(stages.firstStartMs / 1000).toFixed(1)}–${(stages.lastStartMs / 1000).toFixed(1)} s, each ${stages.p50Ms.toFixed(0)} ms p50 / ${stages.p99Ms.toFixed(0)} ms p99 from claim to re-planned`,
    );
    printFigure('burst: Google requests granted per second', describeRate(requestsSeen, PER_SECOND));
    printFigure('burst: 429 / 403 from the emulator', `${rejected}`);
    printFigure(
      'peak RSS: worker with channels',
      `${maxRssMb.toFixed(0)} MB (minute-polling worker: ${poll.maxRssMb.toFixed(0)} MB)`,
    );
    printTargets([
      {
        name: 'Google requests per minute ≤ 3% of minute polling',
        met: share <= 0.03,
        detail: `${(share * 100).toFixed(2)} %`,
      },
      { name: 'change-to-replanned p99 ≤ 2 s', met: p99 <= 2_000, detail: `${p99.toFixed(0)} ms` },
      {
        name: 'burst absorbed with no 429 and within the budget bound',
        met: rejected === 0 && burstReplanned.size === BURST && lastMs <= boundMs,
        detail: `${rejected} refused, last ${(lastMs / 1000).toFixed(1)} s ≤ ${(boundMs / 1000).toFixed(1)} s`,
      },
    ]);
  } finally {
    // Its keep-alive connections would hold the emulator's close open.
    if (worker !== undefined && worker.child.exitCode === null) {
      const exited = new Promise((resolve) => worker!.child.once('exit', resolve));
      worker.child.kill('SIGTERM');
      await exited;
    }
    await Promise.all(started.map((p) => p.stop()));
    await db.drop();
    await google.close();
  }
}
