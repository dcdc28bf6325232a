import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createTestDatabase, REPO_ROOT, type TestDatabase } from '@nudge/testkit';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function health(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [`${REPO_ROOT}services/api/dist/cli.js`, 'health'], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

describe('nudge-admin health', () => {
  it('exits 1 naming a worker whose heartbeat is over five minutes old, and 0 once every instance beats', async () => {
    await db.sql`
      insert into service_heartbeats (instance_id, role, version, schedulers_enabled, started_at, last_beat_at)
      values ('worker-7f3a', 'worker', 'dev', true, now() - interval '1 hour', now() - interval '6 minutes'),
             ('worker-live', 'worker', 'dev', true, now() - interval '1 hour', now() - interval '10 seconds'),
             ('api-1', 'api', 'dev', false, now() - interval '1 hour', now())`;
    const stale = await health();
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/unhealthy: worker worker-7f3a is stale: last beat .* \(36\d s ago\)/);
    expect(JSON.parse(stale.stdout)).toMatchObject({ ok: false });

    await db.sql`update service_heartbeats set last_beat_at = now() where instance_id = 'worker-7f3a'`;
    const healthy = await health();
    expect([healthy.code, healthy.stderr]).toEqual([0, '']);
    expect(JSON.parse(healthy.stdout)).toMatchObject({ ok: true, problems: [] });
  });

  it('exits 1 when no live worker runs the schedulers', async () => {
    await db.sql`update service_heartbeats set schedulers_enabled = false where role = 'worker'`;
    const result = await health();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no live worker with schedulers enabled');
  });
});
