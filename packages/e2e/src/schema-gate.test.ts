import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MIGRATIONS_DIR, runMigrations } from '@nudge/db';
import { eventually, roleEnv, startRole, waitForHttpOk, type RoleName, type RoleProcess } from '@nudge/testkit';
import { useTestDatabase } from '@nudge/testkit/jest';

const INTERVAL_MS = 400;
const quiet = { info() {} };

interface ReadyBody {
  status: string;
  reasons: string[];
  checks: Record<string, { ok: boolean }>;
}

async function ready(port: number): Promise<{ status: number; body: ReadyBody }> {
  const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
  return { status: response.status, body: (await response.json()) as ReadyBody };
}

/** Applies only the first migration: a database an older release left behind. */
async function migrateFirstOnly(url: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nudge-migrations-'));
  try {
    await copyFile(join(MIGRATIONS_DIR, '0001_initial.sql'), join(dir, '0001_initial.sql'));
    await runMigrations({ url, logger: quiet, dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What the role printed that is not a log line: a stack trace would land here. */
function unstructured(role: RoleProcess): string[] {
  return role.rawOutput.filter((line) => line.trim() !== '');
}

/**
 * For a describe block: a database without the schema, and `start` for a role on it that waits
 * until the role is live (it is not ready before the schema is current). Roles still running
 * are killed after the block, before the database is dropped.
 */
function databaseWithoutSchema() {
  const started: RoleProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((role) => role.stop('SIGKILL')));
  });
  const db = useTestDatabase({ migrated: false });
  const start = (role: RoleName, env: Record<string, string>) =>
    startRole(role, roleEnv(db.url, env), { ready: 'live', timeoutMs: 45_000, started });
  return { db, start };
}

describe('the worker started on an empty database (defect 7)', () => {
  const { db, start } = databaseWithoutSchema();
  let worker: RoleProcess;
  let port: number;

  it('waits not ready, one db.schema.not_current line per interval, and acts on nothing', async () => {
    ({ process: worker, port } = await start('worker', {
      ENABLE_SCHEDULERS: 'true',
      READINESS_INTERVAL_MS: String(INTERVAL_MS),
      HEARTBEAT_INTERVAL_MS: '500',
    }));
    const first = worker.events('db.schema.not_current').length;
    await sleep(INTERVAL_MS * 6);
    const lines = worker.events('db.schema.not_current');
    // About one per interval: not one per missing column, and not silent.
    expect(lines.length - first).toBeGreaterThanOrEqual(3);
    expect(lines.length - first).toBeLessThanOrEqual(8);
    expect(lines[0]).toMatchObject({ level: 'warn', role: 'worker', first_pending: '0001_initial' });
    expect(lines[0]?.msg).toMatch(
      /^worker waits for the database schema \(11 migration\(s\) not applied: 0001_initial,/,
    );
    expect(worker.events('db.schema.column_missing')).toHaveLength(0);
    expect(worker.lines.filter((line) => line.level === 'error' || line.level === 'fatal')).toEqual([]);
    expect(unstructured(worker)).toEqual([]);

    const { status, body } = await ready(port);
    expect(status).toBe(503);
    expect(body.status).toBe('not_ready');
    expect(body.checks).toEqual({ schema: expect.objectContaining({ ok: false }) });
    expect(body.reasons[0]).toMatch(/^11 migration\(s\) not applied: 0001_initial, 0002_job_run_leases, /);
    expect(body.reasons[1]).toMatch(/^\d+ column\(s\) missing: /);

    // Never acted: nothing started, nothing written (the database still has no tables at all).
    expect(worker.events('process.started')).toHaveLength(0);
    expect(worker.events('schedule.created')).toHaveLength(0);
    const [{ count } = { count: -1 }] = await db.sql<{ count: number }[]>`
      select count(*)::int as count from information_schema.tables where table_schema = 'public'`;
    expect(count).toBe(0);
  });

  it('starts without a restart once the database is migrated', async () => {
    await runMigrations({ url: db.url, logger: quiet });
    await waitForHttpOk(`http://127.0.0.1:${port}/health/ready`, 30_000, worker.exited);
    expect(worker.events('db.schema.current')).toHaveLength(1);
    expect(worker.events('process.started')).toHaveLength(1);
    const notCurrent = worker.events('db.schema.not_current').length;
    await eventually(
      async () =>
        (await db.sql`select 1 from service_heartbeats where role = 'worker' and schedulers_enabled`).length === 1,
    );
    expect((await ready(port)).body.checks).toMatchObject({ database: { ok: true }, schema: { ok: true } });
    // Once current, the gate says nothing more.
    await sleep(INTERVAL_MS * 2);
    expect(worker.events('db.schema.not_current')).toHaveLength(notCurrent);
    expect(unstructured(worker)).toEqual([]);
  });

  it('SIGTERM stops it cleanly', async () => {
    const { code } = await worker.stop();
    expect(code).toBe(0);
  });
});

describe('calls started on a partly migrated database', () => {
  const { db, start } = databaseWithoutSchema();
  beforeAll(async () => {
    await migrateFirstOnly(db.url);
  });

  it('answers webhooks 503 and stays not ready, naming what is pending, until the rest is applied', async () => {
    const { process: calls, port } = await start('calls', { READINESS_INTERVAL_MS: String(INTERVAL_MS) });
    const { status, body } = await ready(port);
    expect(status).toBe(503);
    expect(body.reasons[0]).toMatch(/^10 migration\(s\) not applied: 0002_job_run_leases, /);
    const webhook = await fetch(`http://127.0.0.1:${port}/twilio/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'CallSid=CA00&CallStatus=completed',
    });
    expect(webhook.status).toBe(503);
    expect(webhook.headers.get('retry-after')).toBe('5');
    expect(calls.events('db.schema.not_current')[0]).toMatchObject({ first_pending: '0002_job_run_leases' });

    await runMigrations({ url: db.url, logger: quiet });
    await waitForHttpOk(`http://127.0.0.1:${port}/health/ready`, 30_000, calls.exited);
    expect(calls.events('process.started')).toHaveLength(1);
    expect(calls.events('db.schema.column_missing')).toHaveLength(0);
    expect(unstructured(calls)).toEqual([]);
    expect((await calls.stop()).code).toBe(0);
  });
});

describe('a role stopped while it waits', () => {
  const { start } = databaseWithoutSchema();

  it('exits 0 at SIGTERM without starting anything', async () => {
    const { process: calls } = await start('calls', { READINESS_INTERVAL_MS: '300' });
    const { code, ms } = await calls.stop();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(3_000);
    expect(calls.events('process.shutdown.completed')).toHaveLength(1);
    expect(calls.events('process.started')).toHaveLength(0);
    expect(unstructured(calls)).toEqual([]);
  });
});
