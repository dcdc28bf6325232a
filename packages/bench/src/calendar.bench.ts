import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TokenCipher } from '@nudge/calendar';
import { ANY, createTestDatabase, GoogleEmulator, type TestDatabase } from '@nudge/testkit';
import type { CalendarTickSummary } from '@nudge/worker';
import { printFigure, printSection, printTargets, ratio } from './report.js';

const CHILD = fileURLToPath(new URL('./calendar-sync-child.js', import.meta.url));
const USERS = 2_000;
const BASELINE_USERS = 100;
/** Users of the breakdown run: the same sync with alert planning off. */
const SYNC_ONLY_USERS = 400;
const EVENTS_PER_USER = 60;
const PAGE_SIZE = 20;
const LATENCY_MS = 20;
const CONCURRENCY = 16;
const POOL_MAX = 10;
const KEY = Buffer.alloc(32, 9);

interface ChildResult {
  ticks: CalendarTickSummary[];
  maxRssMb: number;
}

/** `count` users with a live credential and 60 meetings each over the next 14 days. */
async function seedUsers(db: TestDatabase, google: GoogleEmulator, prefix: string, count: number): Promise<void> {
  const cipher = new TokenCipher([KEY]);
  const [org] = await db.sql<{ id: string }[]>`insert into organizations (name) values ('Bench') returning id`;
  const users = await db.sql<{ id: string; email: string }[]>`
    insert into users ${db.sql(Array.from({ length: count }, (_, i) => ({ org_id: org!.id, email: `${prefix}-${i}@bench.test`, name: `User ${i}` })))}
    returning id, email`;
  const credentials = users.map((user) => {
    const tokens = google.grantTokens(user.email);
    for (let e = 0; e < EVENTS_PER_USER; e += 1) {
      // Spread over the next 14 days, inside working hours-ish, one every ~5.6 h.
      const start = new Date(Date.now() + 3_600_000 + e * 5.6 * 3_600_000);
      google.putEvent(user.email, {
        summary: `Meeting ${e}`,
        start,
        end: new Date(start.getTime() + 30 * 60_000),
        attendees: [
          { email: user.email, self: true, responseStatus: 'accepted' },
          { email: 'peer@example.com', responseStatus: 'accepted' },
        ],
        hangoutLink: 'https://meet.google.com/bench',
      });
    }
    return {
      user_id: user.id,
      refresh_token_enc: cipher.encrypt(tokens.refresh_token ?? '', user.id),
      access_token_enc: cipher.encrypt(tokens.access_token, user.id),
      expires_at: new Date(Date.now() + tokens.expires_in * 1000),
      scopes: [tokens.scope],
    };
  });
  for (let i = 0; i < credentials.length; i += 500)
    await db.sql`insert into calendar_credentials ${db.sql(credentials.slice(i, i + 500))}`;
}

async function runChild(
  db: TestDatabase,
  google: GoogleEmulator,
  concurrency: number,
  ticks: number,
  alerts = true,
): Promise<ChildResult> {
  const input = {
    databaseUrl: db.url,
    google: google.clientConfig(),
    keyBase64: KEY.toString('base64'),
    concurrency,
    pageSize: PAGE_SIZE,
    poolMax: POOL_MAX,
    ticks,
    alerts,
  };
  const child = spawn(process.execPath, [CHILD], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify(input));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the calendar sync process exited with ${code}`);
  return JSON.parse(out) as ChildResult;
}

function describeTick(tick: CalendarTickSummary | undefined): string {
  return tick === undefined
    ? 'n/a'
    : `${(tick.ms / 1000).toFixed(2)} s (${tick.succeeded}/${tick.users} ok, ${tick.failed} failed)`;
}

/**
 * `pnpm bench calendar`: 2,000 users × 60 upcoming events (three pages of 20) against the
 * Google emulator answering every Calendar request after 20 ms; the sync runs in its own
 * process. Baseline: the same sync one user at a time, on 100 users, per-user rate
 * extrapolated to 2,000.
 */
export async function calendarSync(): Promise<void> {
  printSection(
    `calendar: ${USERS.toLocaleString('en')} users × ${EVENTS_PER_USER} events (${EVENTS_PER_USER / PAGE_SIZE} pages), ${LATENCY_MS} ms per Calendar request, concurrency ${CONCURRENCY}, pool ${POOL_MAX}`,
  );
  const google = await GoogleEmulator.start({ recordRequests: false });
  google.setLatency(ANY, LATENCY_MS);
  const db = await createTestDatabase();
  const baselineDb = await createTestDatabase();
  const syncOnlyDbs = [await createTestDatabase(), await createTestDatabase()];
  try {
    await seedUsers(baselineDb, google, 'seq', BASELINE_USERS);
    const sequential = await runChild(baselineDb, google, 1, 2);
    const seqFull = sequential.ticks[0]!;
    const seqPerUserMs = seqFull.ms / BASELINE_USERS;
    const seqRate = 1000 / seqPerUserMs;
    const seqNoChangePerUserMs = sequential.ticks[1]!.ms / BASELINE_USERS;

    await seedUsers(db, google, 'conc', USERS);
    const concurrent = await runChild(db, google, CONCURRENCY, 2);
    const [full, noChange] = concurrent.ticks;
    const rate = full === undefined ? 0 : (full.users / full.ms) * 1000;
    const noChangeRate = noChange === undefined ? 0 : (noChange.users / noChange.ms) * 1000;
    const [meetings] = await db.sql<{ meetings: number; alerts: number; runs: number }[]>`
      select (select count(*) from meetings)::int as meetings, (select count(*) from alerts)::int as alerts, (select count(*) from sync_runs)::int as runs`;

    printFigure(
      `baseline: sequential, first sync (${BASELINE_USERS} users)`,
      `${(seqFull.ms / 1000).toFixed(2)} s → ${seqPerUserMs.toFixed(1)} ms/user, ${seqRate.toFixed(1)} users/s`,
    );
    printFigure(
      'baseline: sequential, extrapolated to 2,000',
      `${((seqPerUserMs * USERS) / 1000).toFixed(1)} s first sync, ${((seqNoChangePerUserMs * USERS) / 1000).toFixed(1)} s no-change`,
    );
    printFigure('first full sync tick', describeTick(full));
    printFigure('  users/s', `${rate.toFixed(1)} users/s, ${ratio(rate, seqRate)} sequential`);
    printFigure('incremental tick, no changes', describeTick(noChange));
    printFigure(
      '  users/s',
      `${noChangeRate.toFixed(1)} users/s, ${ratio(noChangeRate, 1000 / seqNoChangePerUserMs)} sequential`,
    );
    printFigure(
      'rows after the ticks',
      `${meetings?.meetings} meetings, ${meetings?.alerts} alerts planned, ${meetings?.runs} sync_runs`,
    );
    printFigure(
      'peak RSS of the sync process',
      `${concurrent.maxRssMb.toFixed(0)} MB (sequential run: ${sequential.maxRssMb.toFixed(0)} MB)`,
    );
    // Where the time goes: the same first sync with alert planning off, sequential and concurrent.
    await seedUsers(syncOnlyDbs[0]!, google, 'seq-only', BASELINE_USERS);
    await seedUsers(syncOnlyDbs[1]!, google, 'conc-only', SYNC_ONLY_USERS);
    const seqOnly = (await runChild(syncOnlyDbs[0]!, google, 1, 1, false)).ticks[0]!;
    const concOnly = (await runChild(syncOnlyDbs[1]!, google, CONCURRENCY, 1, false)).ticks[0]!;
    const seqOnlyRate = (seqOnly.users / seqOnly.ms) * 1000;
    const concOnlyRate = (concOnly.users / concOnly.ms) * 1000;
    printFigure(
      `breakdown: no planning, sequential (${BASELINE_USERS})`,
      `${(seqOnly.ms / seqOnly.users).toFixed(1)} ms/user, ${seqOnlyRate.toFixed(1)} users/s`,
    );
    printFigure(
      `breakdown: no planning, concurrent (${SYNC_ONLY_USERS})`,
      `${concOnlyRate.toFixed(1)} users/s, ${ratio(concOnlyRate, seqOnlyRate)} sequential`,
    );
    printFigure(
      '  planning share of a sequential first sync',
      `${(((seqPerUserMs - seqOnly.ms / seqOnly.users) / seqPerUserMs) * 100).toFixed(0)} %`,
    );
    printTargets([
      {
        name: '≥ 10× sequential at concurrency 16',
        met: rate >= 10 * seqRate,
        detail: `${ratio(rate, seqRate)} (first sync, users/s)`,
      },
      {
        name: 'no-change tick for 2,000 users < 10 s',
        met: noChange !== undefined && noChange.ms < 10_000 && noChange.failed === 0,
        detail: describeTick(noChange),
      },
      { name: 'peak RSS < 250 MB', met: concurrent.maxRssMb < 250, detail: `${concurrent.maxRssMb.toFixed(0)} MB` },
    ]);
  } finally {
    await db.drop();
    await baselineDb.drop();
    for (const extra of syncOnlyDbs) await extra.drop();
    await google.close();
  }
}
