import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { createTestDatabase, ManualClock, type TestDatabase } from '@nudge/testkit';
import { newOrg, startApi } from '../../testing/api-under-test.js';

let db: TestDatabase;
let app: FastifyInstance;
let base: string;
let operator: string;
let admin: string;
const clock = new ManualClock('2026-03-07T12:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  // Over a real socket: light-my-request (inject) cannot load its ESM dependency under jest's VM.
  ({ app, base } = await startApi(db, { clock }));
  // The first organisation's admin is an operator; a later organisation's admin is not.
  operator = (await newOrg(db, { phone: null })).token;
  admin = (await newOrg(db, { phone: null })).token;
  // Rows as the worker's schedule manager creates them from the definitions.
  await db.sql`
    insert into job_schedules (id, enabled, cron, timezone, missed_policy, overlap_policy, next_run_at, last_run_at, last_status)
    values ('calendar-sync', true, '* * * * *', 'UTC', 'skip', 'skip', '2026-03-07T12:01:00Z', '2026-03-07T12:00:00Z', 'succeeded'),
           ('webhook-events-cleanup', false, '0 4 * * *', 'UTC', 'once', 'skip', null, null, null),
           ('nightly-report', true, '30 2 * * *', 'America/New_York', 'skip', 'skip', '2026-03-08T07:00:00Z', null, null)`;
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });

interface Reply {
  statusCode: number;
  json(): unknown;
}

async function call(options: {
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: object;
}): Promise<Reply> {
  const response = await fetch(`${base}${options.url}`, {
    method: options.method,
    headers: { ...options.headers, ...(options.payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.payload === undefined ? {} : { body: JSON.stringify(options.payload) }),
  });
  const body = await response.text();
  return { statusCode: response.status, json: () => JSON.parse(body) };
}

/** The request as the deployment's operator, who may use every route here. */
const asOperator = (method: string, url: string, payload?: object) =>
  call({ method, url, headers: as(operator), ...(payload === undefined ? {} : { payload }) });

describe('operator routes', () => {
  it('answer 401 without a token and 403 to an organisation admin who is not an operator', async () => {
    const routes: [string, string, unknown?][] = [
      ['GET', '/v1/admin/schedules'],
      ['PATCH', '/v1/admin/schedules/calendar-sync', { enabled: false }],
      ['POST', '/v1/admin/schedules/calendar-sync/run'],
      ['GET', '/v1/admin/schedules/calendar-sync/preview'],
      ['GET', '/v1/admin/job-runs'],
      ['GET', '/v1/admin/instances'],
    ];
    for (const [method, url, payload] of routes) {
      const anonymous = await call({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
      expect([url, anonymous.statusCode]).toEqual([url, 401]);
      const forbidden = await call({
        method,
        url,
        headers: as(admin),
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      expect([url, forbidden.statusCode]).toEqual([url, 403]);
      expect(forbidden.json()).toEqual({
        error: { code: 'forbidden', message: 'this needs an operator of this deployment' },
      });
    }
    expect(await db.sql`select 1 from job_runs`).toHaveLength(0);
  });

  it('list schedules with their state and last and next run, in snake_case', async () => {
    const response = await asOperator('GET', '/v1/admin/schedules');
    expect(response.statusCode).toBe(200);
    const { schedules } = response.json() as { schedules: Record<string, unknown>[] };
    expect(schedules.map((s) => s.id)).toEqual(['calendar-sync', 'nightly-report', 'webhook-events-cleanup']);
    expect(schedules[0]).toMatchObject({
      id: 'calendar-sync',
      defined: true,
      enabled: true,
      state: 'idle',
      next_run_at: '2026-03-07T12:01:00.000Z',
      last_run_at: '2026-03-07T12:00:00.000Z',
      last_status: 'succeeded',
      missed_policy: 'skip',
    });
    expect(schedules[1]).toMatchObject({ id: 'nightly-report', defined: false, description: null });
    expect(schedules[2]).toMatchObject({
      id: 'webhook-events-cleanup',
      enabled: false,
      state: 'disabled',
      next_run_at: null,
    });
  });

  it('enable a schedule from its next slot, disable it again, and reject unknown ids and bad bodies', async () => {
    const enabled = await asOperator('PATCH', '/v1/admin/schedules/webhook-events-cleanup', { enabled: true });
    expect(enabled.statusCode).toBe(200);
    expect(enabled.json()).toMatchObject({ enabled: true, state: 'idle', next_run_at: '2026-03-08T04:00:00.000Z' });
    const disabled = await asOperator('PATCH', '/v1/admin/schedules/webhook-events-cleanup', { enabled: false });
    expect(disabled.json()).toMatchObject({ enabled: false, state: 'disabled' });

    const missing = await asOperator('PATCH', '/v1/admin/schedules/nope', { enabled: true });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: 'schedule not found' } });
    const bad = await asOperator('PATCH', '/v1/admin/schedules/calendar-sync', { enabled: 'yes', cron: '* * * * *' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('run-now queues a manual run, even of a disabled schedule, for a worker to pick up', async () => {
    const response = await asOperator('POST', '/v1/admin/schedules/webhook-events-cleanup/run');
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      run: { job_name: 'webhook-events-cleanup', trigger: 'manual', status: 'queued', worker_id: null },
    });
    const rows =
      await db.sql`select job_name, trigger, status, started_at from job_runs where job_name = 'webhook-events-cleanup'`;
    expect(rows).toEqual([
      { job_name: 'webhook-events-cleanup', trigger: 'manual', status: 'queued', started_at: null },
    ]);
    const missing = await asOperator('POST', '/v1/admin/schedules/nope/run');
    expect(missing.statusCode).toBe(404);
  });

  it('preview the next runs in the schedule time zone, and answer 400 with the parser message for an invalid cron', async () => {
    const preview = await asOperator('GET', '/v1/admin/schedules/nightly-report/preview?n=2');
    expect(preview.statusCode).toBe(200);
    // 2026-03-08 02:30 New York falls in the spring-forward gap: 03:00 EDT instead.
    expect(preview.json()).toEqual({
      id: 'nightly-report',
      cron: '30 2 * * *',
      timezone: 'America/New_York',
      runs: ['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],
    });
    const defaults = await asOperator('GET', '/v1/admin/schedules/calendar-sync/preview');
    expect((defaults.json() as { runs: string[] }).runs).toHaveLength(10);

    const invalid = await asOperator('GET', '/v1/admin/schedules/calendar-sync/preview?cron=61%20*%20*%20*%20*');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({
      error: { code: 'invalid_schedule', message: 'CronPattern: Invalid value for minute: 61' },
    });
    const tooMany = await asOperator('GET', '/v1/admin/schedules/calendar-sync/preview?n=1000');
    expect(tooMany.statusCode).toBe(400);
  });

  it('list job runs newest first, filtered by job, status, trigger and limit', async () => {
    await db.sql`
      insert into job_runs (job_name, schedule_id, trigger, status, scheduled_for, started_at, finished_at, worker_id, error)
      values ('calendar-sync', 'calendar-sync', 'schedule', 'succeeded', '2026-03-07T11:58:00Z', '2026-03-07T11:58:00Z', '2026-03-07T11:58:01Z', 'w1', null),
             ('calendar-sync', 'calendar-sync', 'schedule', 'failed', '2026-03-07T11:59:00Z', '2026-03-07T11:59:00Z', '2026-03-07T11:59:01Z', 'w2', 'boom'),
             ('calendar-sync', 'calendar-sync', 'manual', 'succeeded', null, '2026-03-07T11:59:30Z', '2026-03-07T11:59:31Z', 'w1', null)`;
    const get = async (query: string) => {
      const response = await asOperator('GET', `/v1/admin/job-runs${query}`);
      expect(response.statusCode).toBe(200);
      return (response.json() as { runs: Record<string, unknown>[] }).runs;
    };
    expect((await get('?job=calendar-sync')).map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(await get('?job=calendar-sync&status=failed')).toEqual([
      expect.objectContaining({
        job_name: 'calendar-sync',
        status: 'failed',
        error: 'boom',
        worker_id: 'w2',
        scheduled_for: '2026-03-07T11:59:00.000Z',
      }),
    ]);
    expect((await get('?trigger=manual')).map((r) => r.job_name)).toEqual(['calendar-sync', 'webhook-events-cleanup']);
    expect(await get('?limit=1')).toHaveLength(1);
    const bad = await asOperator('GET', '/v1/admin/job-runs?status=exploded');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('list instances from the heartbeats, marking those silent for five minutes as stale', async () => {
    await db.sql`
      insert into service_heartbeats (instance_id, role, version, schedulers_enabled, started_at, last_beat_at)
      values ('worker-live', 'worker', '1.2.0', true, '2026-03-07T10:00:00Z', '2026-03-07T11:59:50Z'),
             ('worker-gone', 'worker', '1.1.0', true, '2026-03-07T09:00:00Z', '2026-03-07T11:50:00Z')`;
    const response = await asOperator('GET', '/v1/admin/instances');
    expect(response.statusCode).toBe(200);
    expect((response.json() as { instances: unknown[] }).instances).toEqual([
      {
        instance_id: 'worker-gone',
        role: 'worker',
        version: '1.1.0',
        schedulers_enabled: true,
        started_at: '2026-03-07T09:00:00.000Z',
        last_beat_at: '2026-03-07T11:50:00.000Z',
        stale: true,
      },
      {
        instance_id: 'worker-live',
        role: 'worker',
        version: '1.2.0',
        schedulers_enabled: true,
        started_at: '2026-03-07T10:00:00.000Z',
        last_beat_at: '2026-03-07T11:59:50.000Z',
        stale: false,
      },
    ]);
  });
});
