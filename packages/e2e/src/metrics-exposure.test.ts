import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDbClient } from '@nudge/db';
import {
  createTestDatabase,
  freePort,
  roleEnv,
  RoleProcess,
  startRole,
  TEST_SERVER_URL,
  type RoleName,
  type TestDatabase,
} from '@nudge/testkit';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const madeUpApiToken = () => `nudge_${randomBytes(32).toString('base64url')}`;
const METRICS_TOKEN = randomBytes(24).toString('hex');
const PROMETHEUS_TEXT = /^# TYPE nudge_/m;

interface BurstResult {
  statuses: Record<number, number>;
  /** Any body that held Prometheus text. */
  leaked: number;
  ms: number;
}

/** `total` GETs, `concurrency` in flight at a time. */
async function burst(
  url: string,
  total: number,
  concurrency: number,
  headers: Record<string, string> = {},
): Promise<BurstResult> {
  const statuses: Record<number, number> = {};
  let leaked = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        const response = await fetch(url, { headers });
        const body = await response.text();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (PROMETHEUS_TEXT.test(body)) leaked += 1;
      }
    }),
  );
  return { statuses, leaked, ms: Math.round(performance.now() - started) };
}

/** Polls /health/ready every 50 ms while `during` runs: every status seen and the slowest answer. */
async function readinessDuring<T>(
  readyUrl: string,
  during: () => Promise<T>,
): Promise<{ result: T; statuses: number[]; slowestMs: number }> {
  const statuses: number[] = [];
  let slowestMs = 0;
  // Set when `during` ends; typed wide so the poller's check is not narrowed to `false`.
  let done = false as boolean;
  const poller = (async () => {
    while (!done) {
      const started = performance.now();
      const response = await fetch(readyUrl);
      await response.text();
      statuses.push(response.status);
      slowestMs = Math.max(slowestMs, Math.round(performance.now() - started));
      await sleep(50);
    }
  })();
  try {
    return { result: await during(), statuses, slowestMs };
  } finally {
    done = true;
    await poller;
  }
}

describe('metrics leave the public port', () => {
  let db: TestDatabase;
  const started: RoleProcess[] = [];
  const start = (role: RoleName, options: { metrics?: boolean; env?: Record<string, string> } = {}) =>
    startRole(role, roleEnv(db.url, options.env), { metrics: options.metrics, timeoutMs: 45_000, started });
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    await db.drop();
  });

  describe('with METRICS_PORT, the api', () => {
    let api: Awaited<ReturnType<typeof start>>;
    beforeAll(async () => {
      api = await start('api', { metrics: true });
    });

    it('answers a burst of 600 scrapes (100 at a time) on the public port with 404s, and stays ready throughout', async () => {
      const { result, statuses, slowestMs } = await readinessDuring(`${api.base}/health/ready`, () =>
        burst(`${api.base}/metrics`, 600, 100),
      );
      console.info(
        `public /metrics burst: 600 requests in ${result.ms} ms; /health/ready polled ${statuses.length} times, slowest ${slowestMs} ms`,
      );
      expect(result).toMatchObject({ statuses: { 404: 600 }, leaked: 0 });
      expect(statuses.length).toBeGreaterThanOrEqual(3);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      const response = await fetch(`${api.base}/metrics`);
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /metrics' } });
    });

    it('serves Prometheus text on METRICS_PORT and nothing else there', async () => {
      const response = await fetch(`${api.metricsBase}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      // Requests on the public port are timed there, scrapes are not.
      expect(text).toMatch(
        /^nudge_http_request_duration_seconds_count\{role="api",method="GET",route="\/health\/ready",status_code="200"\} [1-9]/m,
      );
      expect(text).not.toMatch(/route="\/metrics"/);
      for (const path of ['/health/ready', '/v1/me', '/docs/json']) {
        const other = await fetch(`${api.metricsBase}${path}`);
        expect({ path, status: other.status }).toEqual({ path, status: 404 });
        expect(((await other.json()) as { error: { code: string } }).error.code).toBe('not_found');
      }
      expect(api.process.events('metrics.listening')).toEqual([
        expect.objectContaining({ address: api.metricsBase, token_required: false }),
      ]);
    });

    it('stays ready through a burst of 600 scrapes (100 at a time) on METRICS_PORT', async () => {
      const { result, statuses, slowestMs } = await readinessDuring(`${api.base}/health/ready`, () =>
        burst(`${api.metricsBase}/metrics`, 600, 100),
      );
      console.info(
        `METRICS_PORT burst: 600 scrapes in ${result.ms} ms; /health/ready polled ${statuses.length} times, slowest ${slowestMs} ms`,
      );
      expect(result.statuses).toEqual({ 200: 600 });
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    });
  });

  it('keeps the api ready while every pooled database connection waits on a lock', async () => {
    // Short rounds, so that checks queued behind the pool would fail well within the lock's 5 s.
    const api = await start('api', { env: { READINESS_INTERVAL_MS: '500', READINESS_TIMEOUT_MS: '1000' } });
    // Every authenticated request waits on this lock, holding one of the api's 4 pooled connections.
    let waiting = 0;
    const {
      result: { requests: stuck },
      statuses,
    } = await readinessDuring(`${api.base}/health/ready`, () =>
      db.sql.begin(async (tx) => {
        await tx`lock table api_tokens in access exclusive mode`;
        const requests = Array.from({ length: 12 }, () =>
          fetch(`${api.base}/v1/me`, { headers: { authorization: `Bearer ${madeUpApiToken()}` } }).then(
            (r) => r.status,
          ),
        );
        await sleep(5_000);
        const [row] = await db.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name = 'nudge-api' and wait_event_type = 'Lock'`;
        waiting = row?.n ?? 0;
        // Wrapped: postgres.js would await an array of promises before committing.
        return { requests };
      }),
    );
    expect(waiting).toBe(4);
    expect(statuses.length).toBeGreaterThanOrEqual(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(await Promise.all(stuck)).toEqual(Array(12).fill(401));
  });

  it('with METRICS_TOKEN, the api serves /metrics on its public port only to the bearer of the token', async () => {
    const api = await start('api', { env: { METRICS_TOKEN } });
    const without = await fetch(`${api.base}/metrics`);
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await without.json()).toEqual({
      error: { code: 'unauthorized', message: 'metrics need Authorization: Bearer <METRICS_TOKEN>' },
    });
    for (const authorization of [
      `Bearer ${METRICS_TOKEN}x`,
      `Bearer ${METRICS_TOKEN.slice(1)}`,
      `Basic ${METRICS_TOKEN}`,
      METRICS_TOKEN,
      'Bearer ',
    ]) {
      const wrong = await fetch(`${api.base}/metrics`, { headers: { authorization } });
      expect({ authorization, status: wrong.status, body: PROMETHEUS_TEXT.test(await wrong.text()) }).toEqual({
        authorization,
        status: 401,
        body: false,
      });
    }
    const { result, statuses } = await readinessDuring(`${api.base}/health/ready`, () =>
      burst(`${api.base}/metrics`, 600, 100, { authorization: 'Bearer not-the-metrics-token' }),
    );
    expect(result).toMatchObject({ statuses: { 401: 600 }, leaked: 0 });
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const right = await fetch(`${api.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toMatch(PROMETHEUS_TEXT);
    expect(api.process.events('metrics.public_with_token')).toHaveLength(1);
  });

  it('with METRICS_PORT, the worker serves metrics there and not on HEALTH_PORT', async () => {
    const worker = await start('worker', { metrics: true, env: { ENABLE_SCHEDULERS: 'true' } });
    expect((await fetch(`${worker.base}/metrics`)).status).toBe(404);
    const text = await (await fetch(`${worker.metricsBase}/metrics`)).text();
    expect(text).toMatch(/^nudge_alerts\{state="scheduled",role="worker"\} \d+$/m);
    expect(text).toContain('# TYPE nudge_schedule_lateness_seconds histogram');
    expect((await fetch(`${worker.metricsBase}/health/ready`)).status).toBe(404);
  });

  it('with METRICS_PORT and METRICS_TOKEN, the worker asks for the token on METRICS_PORT too', async () => {
    const worker = await start('worker', { metrics: true, env: { METRICS_TOKEN } });
    expect(
      (await fetch(`${worker.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status,
    ).toBe(404);
    expect((await fetch(`${worker.metricsBase}/metrics`)).status).toBe(401);
    const scrape = await fetch(`${worker.metricsBase}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('role="worker"');
  });

  it('a METRICS_PORT already in use stops the role with one line naming it', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as AddressInfo).port;
    try {
      const calls = RoleProcess.start(
        'calls',
        roleEnv(db.url, { PORT: String(await freePort()), METRICS_PORT: String(taken) }),
      );
      expect((await calls.exited).code).toBe(1);
      expect(calls.events('metrics.listen_failed')).toEqual([
        expect.objectContaining({ level: 'fatal', port: taken, code: 'EADDRINUSE' }),
      ]);
      expect(calls.events('http.listening')).toEqual([]);
    } finally {
      squatter.close();
    }
  });

  it('with neither setting, calls serves no metrics at all and says so once', async () => {
    const calls = await start('calls');
    const response = await fetch(`${calls.base}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /metrics' } });
    expect(calls.process.events('metrics.disabled')).toEqual([expect.objectContaining({ level: 'info' })]);
  });
});

describe('readiness during a database outage', () => {
  let db: TestDatabase;
  let calls: RoleProcess | undefined;
  const admin = createDbClient({
    url: TEST_SERVER_URL,
    max: 1,
    connectTimeoutSeconds: 5,
    statementTimeoutMs: 10_000,
    applicationName: 'nudge-test-admin',
  });
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await calls?.stop('SIGKILL');
    await admin.unsafe(`alter database "${db.name}" with allow_connections true`);
    await admin.end();
    await db.drop();
  });

  /** Polls until /health/ready answers `status`; how long that took. */
  async function untilReadiness(
    url: string,
    status: number,
    withinMs: number,
  ): Promise<{ ms: number; body: { reasons: string[] } }> {
    const started = performance.now();
    for (;;) {
      const response = await fetch(url);
      const body = (await response.json()) as { reasons: string[] };
      if (response.status === status) return { ms: Math.round(performance.now() - started), body };
      if (performance.now() - started > withinMs)
        throw new Error(`still ${response.status} after ${withinMs} ms: ${JSON.stringify(body)}`);
      await sleep(100);
    }
  }

  it('answers 503 within a few seconds once the database refuses connections, and 200 once it is back', async () => {
    const role = await startRole('calls', roleEnv(db.url), { timeoutMs: 45_000 });
    calls = role.process;
    const ready = `${role.base}/health/ready`;
    await admin.unsafe(`alter database "${db.name}" with allow_connections false`);
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${db.name}`;
    const down = await untilReadiness(ready, 503, 8_000);
    console.info(`database outage seen by /health/ready after ${down.ms} ms`);
    expect(down.body.reasons.some((reason) => /^database: .*not currently accepting connections/.test(reason))).toBe(
      true,
    );

    await admin.unsafe(`alter database "${db.name}" with allow_connections true`);
    const up = await untilReadiness(ready, 200, 8_000);
    console.info(`database recovery seen by /health/ready after ${up.ms} ms`);
  });
});
