import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ConnectionCounter,
  createTestDatabase,
  escalationEnv,
  freePort,
  roleEnv,
  RoleProcess,
  startRole,
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

  it('no role opens a connection to REDIS_URL or logs about Redis', async () => {
    const roles = await Promise.all(
      (['api', 'calls', 'worker'] as const).map((role) =>
        startRole(
          role,
          roleEnv(db.url, { REDIS_URL: counter.redisUrl, ENABLE_SCHEDULERS: String(role === 'worker') }),
          {
            started,
          },
        ),
      ),
    );
    await sleep(1_000);
    expect(counter.connections).toBe(0);
    for (const role of roles) expect(role.process.output().toLowerCase()).not.toContain('redis');
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
    const worker = await startRole('worker', roleEnv(db.url, escalationEnv(TEST_REDIS_URL)), { started });
    const ready = (await (await fetch(`${worker.base}/health/ready`)).json()) as {
      checks: Record<string, { ok: boolean }>;
    };
    expect(ready.checks.redis).toMatchObject({ ok: true });
  });
});
