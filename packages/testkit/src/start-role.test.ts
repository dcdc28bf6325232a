import { afterAll, describe, expect, it } from '@jest/globals';
import { useTestDatabase } from './jest/use-test-database.js';
import { roleEnv } from './role-env.js';
import type { RoleProcess } from './role-process.js';
import { startRole } from './start-role.js';

describe('startRole', () => {
  const started: RoleProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((role) => role.stop('SIGKILL')));
  });
  // Without the schema a role goes live but never ready.
  const db = useTestDatabase({ migrated: false });

  it('gives the worker its HEALTH_PORT and, asked for metrics, a METRICS_PORT of its own', async () => {
    const worker = await startRole('worker', roleEnv(db.url), { ready: 'live', metrics: true, started });
    expect(worker.base).toBe(`http://127.0.0.1:${worker.port}`);
    expect((await fetch(`${worker.base}/health/live`)).status).toBe(200);
    expect((await fetch(`${worker.base}/health/ready`)).status).toBe(503);
    expect(worker.metricsBase).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(worker.metricsBase).not.toBe(worker.base);
    expect((await fetch(`${worker.metricsBase}/metrics`)).status).toBe(200);
  });

  it('rejects with the output of a role that exits before it answers', async () => {
    const failing = startRole('calls', roleEnv(db.url, { METRICS_TOKEN: 'guessable' }), { started });
    await expect(failing).rejects.toThrow(/^calls: the process exited before .*\/health\/ready answered 200/);
    await expect(failing).rejects.toThrow(/"event":"config.invalid"/);
  });

  it('kills a role that does not answer in time', async () => {
    const before = started.length;
    await expect(startRole('api', roleEnv(db.url), { timeoutMs: 1_000, started })).rejects.toThrow(
      /^api: http:\/\/127\.0\.0\.1:\d+\/health\/ready did not answer 200 within 1000 ms/,
    );
    const api = started[before];
    expect(api?.child.signalCode).toBe('SIGKILL');
  });
});
