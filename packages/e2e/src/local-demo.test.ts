import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, RedisServer, REPO_ROOT, RoleProcess } from '@nudge/testkit';

/**
 * The README's `pnpm start` (after its build) as a newcomer runs it: no DATABASE_URL (an embedded
 * PostgreSQL under the local folder), no Google or Twilio credentials (the emulators), a Redis
 * (here a private one, through REDIS_URL), and the demo's alert shown going through the whole
 * flow. The meeting is moved close so that the push is due at once, and the call comes after the
 * rule's shortest wait (30 s).
 */
describe('pnpm start on a fresh machine', () => {
  let localDir: string;
  let demo: RoleProcess;
  let ports: { api: number; calls: number; worker: number };
  let redis: RedisServer;

  const output = () => demo.rawOutput.join('\n');
  const waitForOutput = async (pattern: RegExp, timeoutMs: number) => {
    const started = Date.now();
    while (!pattern.test(output())) {
      if (Date.now() - started > timeoutMs)
        throw new Error(`no line matching ${pattern} within ${timeoutMs} ms; the run printed:\n${output()}`);
      if (demo.child.exitCode !== null) throw new Error(`pnpm start exited with ${demo.child.exitCode}:\n${output()}`);
      await sleep(100);
    }
  };

  beforeAll(async () => {
    localDir = await mkdtemp(`${tmpdir()}/nudge-local-`);
    // As root, the embedded server runs as a `postgres` user, who must reach its data folder.
    await chmod(localDir, 0o755);
    ports = { api: await freePort(), calls: await freePort(), worker: await freePort() };
    redis = await RedisServer.start();
    demo = RoleProcess.startScript(`${REPO_ROOT}packages/testkit/dist/run-local.js`, [], {
      NUDGE_LOCAL_DIR: localDir,
      LOCAL_API_PORT: String(ports.api),
      LOCAL_CALLS_PORT: String(ports.calls),
      LOCAL_WORKER_PORT: String(ports.worker),
      NUDGE_DEMO_MEETING_IN_SECONDS: '100',
      NUDGE_DEMO_LEAD_SECONDS: '120',
      NUDGE_DEMO_ESCALATE_AFTER_SECONDS: '30',
      REDIS_URL: redis.url,
    });
  });
  afterAll(async () => {
    await demo.stop('SIGKILL');
    await redis.stop();
    await rm(localDir, { recursive: true, force: true });
  });

  it('starts everything on an embedded database and prints the web app and a working demo token', async () => {
    await waitForOutput(/demo token {2}nudge_\S+/, 90_000);
    expect(output()).toContain(`database: embedded PostgreSQL on 127.0.0.1:54329, data in ${localDir}/postgres`);
    expect(output()).toContain(`escalation: on, Redis at ${new URL(redis.url).host}`);
    expect(output()).toContain(`web app     http://127.0.0.1:${ports.api}/app/`);
    const token = /demo token {2}(nudge_\S+)/.exec(output())![1]!;
    const me = await fetch(`http://127.0.0.1:${ports.api}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    // The demo verified its number through the emulated call: escalation calls only verified numbers.
    expect(await me.json()).toMatchObject({
      is_operator: true,
      phone_e164: '+15005550006',
      phone_verified_at: expect.any(String),
    });
    const page = await fetch(`http://127.0.0.1:${ports.api}/app/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');

    // Sign in with Google through the emulator, as the demo user: start → consent → callback with this "browser"'s cookie.
    const start = await fetch(`http://127.0.0.1:${ports.api}/v1/auth/google/start`, { redirect: 'manual' });
    const binding = start.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const signedIn = await fetch(consent.headers.get('location')!, {
      redirect: 'manual',
      headers: { cookie: binding },
    });
    expect(signedIn.status).toBe(303);
    const session = signedIn.headers
      .getSetCookie()
      .find((line) => line.startsWith('nudge_session='))!
      .split(';')[0]!;
    const who = await fetch(`http://127.0.0.1:${ports.api}/v1/auth/session`, { headers: { cookie: session } });
    expect(await who.json()).toMatchObject({ user: { is_operator: true, phone_e164: '+15005550006' } });
  }, 100_000);

  it('shows the flow: sync → alert planned → push delivered (decrypted by the device) → no check-in → call → keypress → acknowledged', async () => {
    await waitForOutput(/worker +calendar\.sync\.completed .*created=1/, 30_000);
    await waitForOutput(/✔ calendar synced: "Demo: design review/, 15_000);
    await waitForOutput(/✔ alert planned: due at/, 15_000);
    await waitForOutput(/worker +push\.dispatch\.completed .*sent=1/, 30_000);
    await waitForOutput(
      /✔ push delivered; the emulated device decrypted it: \{"alert_id":"[0-9a-f-]{36}","title":"Demo: design review/,
      15_000,
    );
    await waitForOutput(/… no check-in yet: the phone call is due at/, 5_000);
    await waitForOutput(/✔ call placed to \+15005550006 \(CA[0-9a-f]{32}\)/, 45_000);
    await waitForOutput(/✔ keypress: 1/, 15_000);
    await waitForOutput(/✔ acknowledged via phone — the whole flow ran/, 15_000);
  }, 120_000);

  it('Ctrl-C stops the roles, the emulators and the database cleanly', async () => {
    const { code, ms } = await demo.stop('SIGINT');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(15_000);
    for (const role of ['api', 'calls', 'worker'])
      expect(output()).toMatch(new RegExp(`${role} +process\\.shutdown\\.completed`));
    expect(output()).toMatch(/nudge {3}stopped$/m);
    await expect(fetch(`http://127.0.0.1:${ports.api}/health/live`)).rejects.toThrow();
  }, 30_000);
});
