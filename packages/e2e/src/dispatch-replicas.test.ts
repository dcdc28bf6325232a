import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ANY,
  createTestDatabase,
  PushEmulator,
  roleEnv,
  seedDueAlerts,
  startRole,
  type RoleProcess,
  type TestDatabase,
} from '@nudge/testkit';

/** Dispatcher replicas as real processes, sending to the push emulator over HTTPS. */
describe('alert dispatch across worker processes', () => {
  let push: PushEmulator;
  let caFile: string;
  let db: TestDatabase;
  const workers: RoleProcess[] = [];
  const env = roleEnv('postgres://set-per-test@127.0.0.1/x');

  beforeAll(async () => {
    push = await PushEmulator.start();
    caFile = `${await mkdtemp(`${tmpdir()}/nudge-ca-`)}/push-ca.pem`;
    await writeFile(caFile, push.caPem);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
    await db.drop();
  });
  afterAll(async () => {
    await push.close();
  });

  async function startWorker(extra: Record<string, string> = {}): Promise<RoleProcess> {
    const worker = await startRole(
      'worker',
      {
        ...env,
        DATABASE_URL: db.url,
        NODE_EXTRA_CA_CERTS: caFile,
        LOG_LEVEL: 'warn',
        // A 1,000-push burst through one emulator on a busy test machine can hold a request past the
        // 3 s production deadline, and a timed-out endpoint then waits 30 s in quarantine: not what
        // these tests are about (dispatch-isolation.test covers timeouts and quarantine).
        PUSH_SEND_TIMEOUT_MS: '15000',
        ...extra,
      },
      { ready: 'live', started: workers },
    );
    return worker.process;
  }

  const alertIdsReceived = () => push.messages.items.map((m) => m.json<{ alert_id: string }>().alert_id);

  it('two dispatchers deliver each of 1,000 due alerts to its subscription exactly once', async () => {
    db = await createTestDatabase();
    const alerts = await seedDueAlerts(db.sql, push, { count: 1_000, vapidPublicKey: env.VAPID_PUBLIC_KEY! });
    push.messages.items.length = 0;
    await Promise.all([startWorker(), startWorker()]);
    await push.messages.until((items) => items.length >= alerts.length, 60_000);
    // Any duplicate would arrive right behind the originals.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const received = alertIdsReceived();
    expect(received).toHaveLength(alerts.length);
    expect(new Set(received)).toEqual(new Set(alerts));
    const [counts] =
      await db.sql`select count(*) filter (where status = 'completed')::int as completed, count(*)::int as total from deliveries`;
    expect(counts).toEqual({ completed: 1_000, total: 1_000 });
    for (const worker of workers) expect(worker.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('kill -9 of a dispatcher mid-batch loses no alert; only sends in flight at the kill are repeated', async () => {
    db = await createTestDatabase();
    const alerts = await seedDueAlerts(db.sql, push, { count: 1_000, vapidPublicKey: env.VAPID_PUBLIC_KEY! });
    push.messages.items.length = 0;
    push.setLatency(ANY, 20);
    try {
      const batch = { DISPATCH_BATCH_SIZE: '100', DISPATCH_CONCURRENCY: '20', PUSH_STALE_PROCESSING_MS: '2000' };
      const doomed = await startWorker(batch);
      await push.messages.until((items) => items.length >= 150, 30_000);
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      const atKill = push.messages.items.length;
      await startWorker(batch);
      await push.messages.until(() => new Set(alertIdsReceived()).size === alerts.length, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const received = alertIdsReceived();
      const duplicates = received.length - new Set(received).size;
      process.stdout.write(
        `kill -9 after ${atKill} of ${alerts.length} pushes: ${duplicates} sent twice (batch size 100)\n`,
      );
      expect(new Set(received)).toEqual(new Set(alerts));
      // Only the batch the killed process held can be repeated: sent, but its outcome never recorded.
      expect(duplicates).toBeLessThanOrEqual(100);
      const [open] = await db.sql`select count(*)::int as n from deliveries where status in ('pending', 'processing')`;
      expect(open?.n).toBe(0);
    } finally {
      push.setLatency(ANY, 0);
    }
  });
});
