import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import {
  createQuotaMetrics,
  GoogleClients,
  GoogleQuota,
  PostgresQuotaStore,
  RedisQuotaStore,
  type QuotaStore,
  type RequestGate,
  type RequestKind,
} from '@nudge/calendar';
import type { GoogleQuotaConfig } from '@nudge/config';
import { systemClock } from '@nudge/domain';
import { ANY, capturingLogger, GoogleEmulator, RedisServer } from '@nudge/testkit';
import { useTestDatabase } from '@nudge/testkit/jest';
import { createProviderPolicy, DEFAULT_PROVIDER_POLICY } from './provider-policy.js';

const db = useTestDatabase();
let google: GoogleEmulator;
let redisServer: RedisServer;
let redis: Redis;

beforeAll(async () => {
  google = await GoogleEmulator.start();
  redisServer = await RedisServer.start();
  redis = new Redis(redisServer.url, { lazyConnect: true });
  await redis.connect();
});
afterAll(async () => {
  redis.disconnect();
  await redisServer.stop();
  await google.close();
});

/** Three worker replicas: each its own GoogleQuota and store client, sharing the counters. */
function replicas(store: () => QuotaStore, settings: GoogleQuotaConfig, registry?: Registry): GoogleQuota[] {
  const { logger } = capturingLogger('worker');
  // One set of counters for the three, so the test reads what the deployment did.
  const quotas: GoogleQuota[] = [];
  const metrics = registry === undefined ? undefined : createQuotaMetrics(registry, () => quotas[0]);
  for (let i = 0; i < 3; i += 1)
    quotas.push(
      new GoogleQuota({
        store: store(),
        settings,
        clock: systemClock,
        logger,
        ...(metrics === undefined ? {} : { metrics }),
      }),
    );
  return quotas;
}

const clients = () => new GoogleClients(google.clientConfig());

/** One events.list per user, each through replica i % 3's gate, the way a targeted sync calls Google. */
async function everyUserLists(
  quotas: GoogleQuota[],
  emails: string[],
  kind: RequestKind,
  retry = false,
  granted: number[] = [],
): Promise<void> {
  const policy = createProviderPolicy(systemClock, {
    ...DEFAULT_PROVIDER_POLICY,
    baseDelayMs: 50,
    maxRetries: 6,
    breakerMinimumRps: 1_000_000,
  });
  const google_ = clients();
  await Promise.all(
    emails.map(async (email, i) => {
      const gate = quotas[i % quotas.length]!.gate(kind, email);
      const auth = google_.oauth({
        gate: {
          before: async (signal) => {
            await gate.before(signal);
            granted.push(Date.now());
          },
          answered: gate.answered,
        },
      });
      const tokens = google.grantTokens(email);
      auth.setCredentials({
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token ?? null,
        expiry_date: Date.now() + 3_600_000,
      });
      const list = () => google_.calendar(auth).events.list({ calendarId: 'primary', maxResults: 10 });
      await (retry ? policy.execute(list, new AbortController().signal) : list());
    }),
  );
}

/**
 * Requests granted per one-second window, as the shared store counted them. (When they reached
 * the emulator says more about this test process's event loop, busy with 2,000 clients, than
 * about the limiter.)
 */
async function grantsPerSecond(name: string): Promise<number[]> {
  if (name === 'Postgres')
    return (await db.sql<{ count: number }[]>`select count from google_quota_windows where key like 'g:%'`).map(
      (row) => row.count,
    );
  const keys = await redis.keys('nudge:google-quota:g:*');
  return keys.length === 0 ? [] : (await redis.mget(keys)).map(Number);
}

describe.each([
  ['Postgres', () => new PostgresQuotaStore(db.sql) as QuotaStore],
  ['Redis', () => new RedisQuotaStore(redis) as QuotaStore],
])('the shared Google quota (%s)', (_name, store) => {
  it('holds three replicas and 2,000 users changing at once under the budget, with no 429 from Google', async () => {
    await redis.flushall();
    await db.sql`delete from google_quota_windows`;
    google.setQuota({ projectPerMinute: 10_000, userPerMinute: 600 });
    const settings: GoogleQuotaConfig = { requestsPerMinute: 12_000, perUserPerMinute: 480, store: 'postgres' };
    const quotas = replicas(store, settings);
    const emails = Array.from({ length: 2_000 }, (_, i) => `burst-${_name}-${i}@quota.test`);
    const started = Date.now();
    const rejectedBefore = google.quota.rejected.project + google.quota.rejected.user;
    const granted: number[] = [];
    await everyUserLists(quotas, emails, 'targeted', false, granted);
    const seconds = (Date.now() - started) / 1000;
    // 200 a second across the three, and no second grants more: the 2,000 take ten one-second
    // windows, the first of them begun part-way (so more than 8 s, less than 10).
    expect(granted).toHaveLength(2_000);
    expect(seconds).toBeGreaterThan(8);
    const windows = await grantsPerSecond(_name);
    expect(windows.reduce((sum, count) => sum + count, 0)).toBe(2_000);
    expect(Math.max(...windows)).toBeLessThanOrEqual(200);
    expect(windows.length).toBeGreaterThanOrEqual(10);
    expect(google.quota.rejected.project + google.quota.rejected.user).toBe(rejectedBefore);
    google.setQuota(undefined);
  }, 60_000);

  it('a safety poll yields to a targeted sync once most of the second is used', async () => {
    await redis.flushall();
    await db.sql`delete from google_quota_windows`;
    // 10 a second; polls may take 6 of them.
    const [quota] = replicas(store, { requestsPerMinute: 600, perUserPerMinute: 480, store: 'postgres' });
    // Start at the top of a second so the whole test falls in one window.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
    const second = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 6; i += 1) await quota!.acquire('poll', `poller-${i}`);
    const seventhPoll = quota!.acquire('poll', 'poller-7').then(() => Math.floor(Date.now() / 1000));
    await quota!.acquire('targeted', 'changed-user');
    expect(Math.floor(Date.now() / 1000)).toBe(second);
    expect(await seventhPoll).toBeGreaterThan(second);
  });

  it('a per-user ceiling refuses the user, not the others', async () => {
    await redis.flushall();
    await db.sql`delete from google_quota_windows`;
    const shared = store();
    const minute = Math.floor(Date.now() / 60_000);
    const claim = (user: string, i: number) => ({
      globalKey: `g:test-${i}`,
      globalLimit: 1_000,
      globalTtlMs: 5_000,
      userKey: `u:${user}:${minute}`,
      userLimit: 3,
      userTtlMs: 5_000,
    });
    const outcomes = [];
    for (let i = 0; i < 4; i += 1) outcomes.push(await shared.take(claim('busy', 0)));
    expect(outcomes).toEqual(['granted', 'granted', 'granted', 'user']);
    expect(await shared.take(claim('quiet', 0))).toBe('granted');
  });

  it('a 429 storm shrinks the budget for every replica, honours Retry-After, and the budget grows back', async () => {
    await redis.flushall();
    await db.sql`delete from google_quota_windows`;
    const registry = new Registry();
    const settings: GoogleQuotaConfig = { requestsPerMinute: 6_000, perUserPerMinute: 480, store: 'postgres' };
    const quotas = replicas(store, settings, registry);
    google.failNext(ANY, { kind: 'status', status: 429, reason: 'rateLimitExceeded', retryAfterSeconds: 1 }, 20);
    const started = Date.now();
    await everyUserLists(
      quotas,
      Array.from({ length: 300 }, (_, i) => `storm-${_name}-${i}@quota.test`),
      'targeted',
      true,
    );
    google.clearFailures();
    // Every request got through in the end, after at least the Retry-After pause.
    expect(Date.now() - started).toBeGreaterThan(1_000);
    // Each replica sees the shrunk budget (read from the shared store within half a second).
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (const quota of quotas) await quota.acquire('poll', 'probe');
    const budgets = quotas.map((quota) => quota.budgetPerMinute());
    for (const budget of budgets) expect(budget).toBeLessThan(6_000);
    // …and two minutes without a rate limit bring it back to the configured budget.
    expect(quotas[1]!.budgetPerMinute(Date.now() + 120_000)).toBe(6_000);
    const text = await registry.metrics();
    expect(text).toMatch(/nudge_google_rate_limited_total\{scope="project"\} [1-9]/);
    expect(text).toMatch(/nudge_google_requests_total\{kind="targeted"\} [1-9]/);
    expect(text).toMatch(/nudge_google_quota_budget_per_minute \d+/);
  }, 60_000);
});

describe('a request timeout', () => {
  const listWith = (email: string, options: { gate: RequestGate; requestTimeoutMs: number }) => {
    const google_ = clients();
    const auth = google_.oauth(options);
    const tokens = google.grantTokens(email);
    auth.setCredentials({ access_token: tokens.access_token, expiry_date: Date.now() + 3_600_000 });
    return google_.calendar(auth).events.list({ calendarId: 'primary', maxResults: 10 });
  };
  const open: RequestGate = { before: async () => undefined, answered: () => undefined };

  it('starts when the quota lets the request go: a longer wait for a slot does not use it up', async () => {
    const paused: RequestGate = { before: () => sleep(1_500), answered: () => undefined };
    const response = await listWith('paused@quota.test', { gate: paused, requestTimeoutMs: 1_000 });
    expect(response.status).toBe(200);
  });

  it('still bounds the request itself', async () => {
    google.setLatency('slow@quota.test', 1_500);
    await expect(listWith('slow@quota.test', { gate: open, requestTimeoutMs: 500 })).rejects.toMatchObject({
      code: 'TimeoutError',
    });
  });
});
