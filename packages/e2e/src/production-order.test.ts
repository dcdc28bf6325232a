import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, roleEnv, startRole, type RoleProcess, type TestDatabase } from '@nudge/testkit';

/**
 * The three roles as real processes, in production order: the api migrates an empty database,
 * then worker and calls start once the api is ready.
 */
describe('the three roles started in production order', () => {
  let db: TestDatabase;
  const processes: RoleProcess[] = [];
  const bases = { api: '', calls: '', worker: '' };
  const metricsBases = { api: '', calls: '', worker: '' };
  let api: RoleProcess;
  let calls: RoleProcess;
  let worker: RoleProcess;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await db.drop();
  });

  /** Started and ready, with a METRICS_PORT; its addresses noted in `bases` and `metricsBases`. */
  const start = async (role: 'api' | 'calls' | 'worker', env: Record<string, string> = {}) => {
    const started = await startRole(role, roleEnv(db.url, { HEARTBEAT_INTERVAL_MS: '500', ...env }), {
      timeoutMs: 45_000,
      metrics: true,
      started: processes,
    });
    bases[role] = started.base;
    metricsBases[role] = started.metricsBase!;
    return started.process;
  };

  it('the api migrates the empty database and becomes ready', async () => {
    api = await start('api', { RUN_MIGRATIONS_ON_START: '1' });
    expect(api.events('db.migration.applied').map((l) => l.migration)).toContain('0001_initial');
    const order = ['config.flags', 'schedulers.disabled', 'db.migrations.completed', 'process.started'].map((event) =>
      api.lines.findIndex((line) => line.event === event),
    );
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const ready = (await (await fetch(`${bases.api}/health/ready`)).json()) as Record<string, unknown>;
    expect(ready).toMatchObject({
      status: 'ready',
      reasons: [],
      checks: { database: { ok: true }, migrations: { ok: true }, schema: { ok: true } },
    });
  });

  it('worker and calls start after it and become ready', async () => {
    [worker, calls] = await Promise.all([start('worker', { ENABLE_SCHEDULERS: 'true' }), start('calls')]);
    const table = await (await fetch(`${bases.worker}/health/ready?verbose=1`)).text();
    expect(table).toMatch(/^READY\n/);
    for (const check of ['database', 'schema', 'scheduler', 'dispatcher'])
      expect(table).toMatch(new RegExp(`^${check}\\s+ok\\s+\\d+ ms`, 'm'));
    expect(table).toMatch(/lag_ms=\d+/);
    expect(worker.events('schedulers.enabled')).toHaveLength(1);
    expect(worker.events('schedulers.enabled')[0]?.msg).toBe('Schedulers ENABLED for service: worker');
    expect(calls.events('schedulers.disabled')[0]?.msg).toBe('Schedulers disabled for service: calls');
    for (const role of [api, worker, calls]) {
      expect(role.events('config.flags')).toHaveLength(1);
      expect(
        role.lines.every(
          (line) =>
            typeof line.service === 'string' && typeof line.instance === 'string' && typeof line.event === 'string',
        ),
      ).toBe(true);
    }
  });

  it('only the worker reports schedulers enabled in service_heartbeats', async () => {
    const rows = await db.sql<{ role: string; schedulers_enabled: boolean }[]>`
      select role, schedulers_enabled from service_heartbeats order by role`;
    expect(rows).toEqual([
      { role: 'api', schedulers_enabled: false },
      { role: 'calls', schedulers_enabled: false },
      { role: 'worker', schedulers_enabled: true },
    ]);
    const [before] = await db.sql<
      { last_beat_at: Date }[]
    >`select last_beat_at from service_heartbeats where role = 'worker'`;
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const [after] = await db.sql<
      { last_beat_at: Date }[]
    >`select last_beat_at from service_heartbeats where role = 'worker'`;
    expect(after!.last_beat_at.getTime()).toBeGreaterThan(before!.last_beat_at.getTime());
  });

  it("serves Prometheus metrics on every role's METRICS_PORT, and none on its public port", async () => {
    for (const role of ['api', 'calls', 'worker'] as const) {
      const response = await fetch(`${metricsBases[role]}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/^nudge_http_request_duration_seconds_bucket\{.*route="\/health\/ready"/m);
      expect({ role, public: (await fetch(`${bases[role]}/metrics`)).status }).toEqual({
        role,
        public: 404,
      });
    }
    const worker = await (await fetch(`${metricsBases.worker}/metrics`)).text();
    expect(worker).toMatch(/^nudge_alerts\{state="scheduled",role="worker"\} 0$/m);
    expect(worker).toContain('# TYPE nudge_schedule_lateness_seconds histogram');
    expect(worker).toContain('# TYPE nudge_push_deliveries_total counter');
  });

  it('SIGTERM stops each role with exit code 0 within SHUTDOWN_TIMEOUT_MS and removes its heartbeat', async () => {
    const stopped = await Promise.all([worker.stop(), calls.stop(), api.stop()]);
    for (const { code, ms } of stopped) {
      expect(code).toBe(0);
      expect(ms).toBeLessThan(5_000);
    }
    for (const role of [api, worker, calls]) expect(role.events('process.shutdown.completed')).toHaveLength(1);
    expect(await db.sql`select instance_id from service_heartbeats`).toHaveLength(0);
  });
});

describe('a role started before the schema exists', () => {
  let db: TestDatabase;
  let calls: RoleProcess | undefined;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await calls?.stop('SIGKILL');
    await db.drop();
  });

  it('stays not ready, naming the pending migrations and missing columns, with no line per column', async () => {
    const started = await startRole('calls', roleEnv(db.url), { ready: 'live', timeoutMs: 45_000 });
    calls = started.process;
    const response = await fetch(`${started.base}/health/ready`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; reasons: string[] };
    expect(body.status).toBe('not_ready');
    expect(body.reasons[0]).toMatch(/^\d+ migration\(s\) not applied: 0001_initial, /);
    expect(body.reasons[1]).toMatch(/^\d+ column\(s\) missing: /);
    expect(calls.events('db.schema.column_missing')).toHaveLength(0);
    expect(calls.events('db.schema.not_current')[0]).toMatchObject({ level: 'warn', first_pending: '0001_initial' });
  });
});
