import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ConnectionCounter,
  createTestDatabase,
  escalationEnv,
  freePort,
  roleEnv,
  RoleProcess,
  waitForHttpOk,
  type RoleName,
  type TestDatabase,
} from '@nudge/testkit';

const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A disabled feature touches nothing: with escalation off, no role ever connects to Redis. */
describe('Redis with escalation off', () => {
  let db: TestDatabase;
  let counter: ConnectionCounter;
  const started: RoleProcess[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    counter = await ConnectionCounter.listen();
  });
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    await counter.close();
    await db.drop();
  });

  async function startReady(role: RoleName, env: Record<string, string>): Promise<RoleProcess> {
    const port = await freePort();
    const process = RoleProcess.start(role, roleEnv(db.url, { PORT: String(port), HEALTH_PORT: String(port), ...env }));
    started.push(process);
    await waitForHttpOk(`http://127.0.0.1:${port}/health/ready`, 20_000, process.exited);
    return process;
  }

  it('no role opens a connection to REDIS_URL or logs about Redis', async () => {
    const roles = await Promise.all(
      (['api', 'calls', 'worker'] as const).map((role) =>
        startReady(role, { REDIS_URL: counter.redisUrl, ENABLE_SCHEDULERS: String(role === 'worker') }),
      ),
    );
    await sleep(1_000);
    expect(counter.connections).toBe(0);
    for (const role of roles) expect(role.output().toLowerCase()).not.toContain('redis');
  });

  it('the same listener does see the worker connect once escalation is on (the check can fail)', async () => {
    const worker = RoleProcess.start(
      'worker',
      roleEnv(db.url, { HEALTH_PORT: String(await freePort()), ...escalationEnv(counter.redisUrl) }),
    );
    started.push(worker);
    const deadline = Date.now() + 10_000;
    while (counter.connections === 0 && Date.now() < deadline) await sleep(50);
    expect(counter.connections).toBeGreaterThan(0);
  });

  it('with escalation on and Redis answering, the worker is ready and says Redis is checked', async () => {
    const port = await freePort();
    const worker = RoleProcess.start(
      'worker',
      roleEnv(db.url, { HEALTH_PORT: String(port), ...escalationEnv(TEST_REDIS_URL) }),
    );
    started.push(worker);
    await waitForHttpOk(`http://127.0.0.1:${port}/health/ready`, 20_000, worker.exited);
    const ready = (await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json()) as {
      checks: Record<string, { ok: boolean }>;
    };
    expect(ready.checks.redis).toMatchObject({ ok: true });
  });
});
