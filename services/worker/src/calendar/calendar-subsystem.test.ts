import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TokenCipher } from '@nudge/calendar';
import { parseWorkerConfig } from '@nudge/config';
import { Registry } from 'prom-client';
import { systemClock } from '@nudge/domain';
import { capturingLogger, GoogleEmulator, insertUser, roleEnv } from '@nudge/testkit';
import { useTestDatabase } from '@nudge/testkit/jest';
import { createCalendarSubsystem } from './calendar-subsystem.js';

async function requestsByKind(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('nudge_google_requests_total')?.get();
  return Object.fromEntries((metric?.values ?? []).map((value) => [String(value.labels.kind), value.value]));
}

const KEY = Buffer.alloc(32, 5);
const db = useTestDatabase();
let google: GoogleEmulator;

beforeAll(async () => {
  google = await GoogleEmulator.start();
});
afterAll(async () => {
  await google.close();
});

function subsystem(publicBaseUrl: string, registry?: Registry) {
  const config = parseWorkerConfig(
    roleEnv(db.url, {
      PUBLIC_BASE_URL: publicBaseUrl,
      GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
      GOOGLE_API_ROOT_URL: google.url,
      CREDENTIALS_ENCRYPTION_KEY: KEY.toString('base64'),
    }),
  );
  const { logger, lines } = capturingLogger('worker');
  return {
    calendar: createCalendarSubsystem(config, {
      sql: db.sql,
      logger,
      clock: systemClock,
      ...(registry === undefined ? {} : { registry }),
    }),
    lines,
  };
}

async function connectedCredential(email: string): Promise<string> {
  const { userId } = await insertUser(db.sql, { email });
  const tokens = google.grantTokens(email);
  const cipher = new TokenCipher([KEY]);
  await db.sql`insert into calendar_credentials (user_id, refresh_token_enc, access_token_enc, expires_at, scopes)
               values (${userId}, ${cipher.encrypt(tokens.refresh_token ?? '', userId)}, ${cipher.encrypt(tokens.access_token, userId)}, ${new Date(Date.now() + 3_600_000)}, ${[tokens.scope]})`;
  return userId;
}

const jobRun = () => ({
  sql: db.sql,
  logger: capturingLogger('worker').logger,
  signal: new AbortController().signal,
  now: () => new Date(),
  scheduledFor: null,
  runId: '1',
});

describe('the poll tick and the shared quota', () => {
  it('charges a first sync (no sync token yet) as targeted, and only later syncs as safety polls', async () => {
    const userId = await connectedCredential('first-sync@subsystem.test');
    const registry = new Registry();
    const { calendar } = subsystem('http://nudge.internal:3000', registry);
    expect(await calendar.syncJob(jobRun())).toMatchObject({ users: 1, succeeded: 1 });
    // The first sync is a real change for the user: under pressure it must not yield like a poll.
    expect(await requestsByKind(registry)).toEqual({ targeted: 1 });
    expect(await calendar.syncJob(jobRun())).toMatchObject({ users: 1, succeeded: 1 });
    expect(await requestsByKind(registry)).toEqual({ targeted: 1, poll: 1 });
    await db.sql`delete from calendar_credentials where user_id = ${userId}`;
  });
});

describe('the calendar subsystem without a public https address', () => {
  it('says once at start that it polls instead, and opens no channel', async () => {
    const email = 'polled@subsystem.test';
    await connectedCredential(email);
    const { calendar, lines } = subsystem('http://nudge.internal:3000');
    const disabled = lines.filter((line) => line.event === 'calendar.channels.disabled');
    expect(disabled).toHaveLength(1);
    expect(disabled[0]?.reason).toMatch(/not https/);

    const run = jobRun();
    expect(await calendar.channelsJob(run)).toMatchObject({ opened: 0 });
    expect(google.activeChannels(email)).toHaveLength(0);
    // Every minute tick polls the user, as before channels.
    expect(await calendar.syncJob(run)).toMatchObject({ users: 1, succeeded: 1 });
    expect(await calendar.syncJob(run)).toMatchObject({ users: 1, succeeded: 1 });
    expect(lines.filter((line) => line.event === 'calendar.channels.disabled')).toHaveLength(1);
  });
});
