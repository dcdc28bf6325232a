import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createOrgWithCli,
  createTestDatabase,
  freePort,
  insertMeeting,
  PushEmulator,
  roleEnv,
  RoleProcess,
  startRole,
  type TestDatabase,
} from '@nudge/testkit';

/** The user's side of an alert, through real processes: planned, pushed, checked in from the push. */
describe('an alert from meeting to check-in', () => {
  let db: TestDatabase;
  let push: PushEmulator;
  let api: RoleProcess;
  let worker: RoleProcess;
  let base: string;
  let token: string;
  let checkinToken = 'not-yet';
  const env = roleEnv('postgres://set-below@127.0.0.1/x');

  beforeAll(async () => {
    db = await createTestDatabase();
    push = await PushEmulator.start();
    const caFile = `${await mkdtemp(`${tmpdir()}/nudge-ca-`)}/push-ca.pem`;
    await writeFile(caFile, push.caPem);
    const apiPort = await freePort();
    base = `http://127.0.0.1:${apiPort}`;
    const shared = { ...env, DATABASE_URL: db.url, PUBLIC_BASE_URL: base, NODE_EXTRA_CA_CERTS: caFile };
    worker = RoleProcess.start('worker', { ...shared, HEALTH_PORT: String(await freePort()) });
    ({ process: api } = await startRole('api', shared, { port: apiPort }));
    ({ token } = await createOrgWithCli(db.url, [
      '--org',
      'Flow',
      '--email',
      'flow@example.test',
      '--name',
      'Flo',
      '--timezone',
      'Europe/Berlin',
    ]));
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await push.close();
    await db.drop();
  });

  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('the device gets the push, and the check-in link in it acknowledges the alert', async () => {
    const { body: key } = await call('/v1/push/vapid-public-key');
    const device = push.subscribe(key.public_key as string);
    expect((await call('/v1/push/subscriptions', { method: 'POST', body: JSON.stringify(device) })).status).toBe(201);
    const { body: me } = await call('/v1/me');

    // What calendar sync would hand the planner; the rule change re-plans it at once.
    const startsAt = new Date(Date.now() + 3 * 60_000);
    await insertMeeting(db.sql, me.id as string, { startsAt, title: 'Customer call' });
    const rule = (await call('/v1/rules')).body;
    const { id: _id, updated_at: _u, ...settings } = rule;
    expect(
      (await call('/v1/rules', { method: 'PUT', body: JSON.stringify({ ...settings, lead_seconds: 300 }) })).status,
    ).toBe(200);

    const message = await push.messages.first((m) => m.endpoint === device.endpoint, 15_000);
    const payload = message.json<{ alert_id: string; title: string; starts_at: string; checkin_url: string }>();
    expect(payload).toMatchObject({ title: 'Customer call', starts_at: startsAt.toISOString() });
    expect(payload.checkin_url.startsWith(`${base}/checkin/`)).toBe(true);

    // The notification's link: looking changes nothing, the button acknowledges.
    const page = await fetch(payload.checkin_url);
    expect(await page.text()).toContain('Customer call');
    expect((await call(`/v1/alerts/${payload.alert_id}`)).body.state).toBe('notified');
    const posted = await fetch(payload.checkin_url, { method: 'POST' });
    expect(posted.status).toBe(200);

    const { body: alert } = await call(`/v1/alerts/${payload.alert_id}`);
    expect(alert).toMatchObject({ state: 'acknowledged', acknowledged_via: 'push' });
    expect((alert.timeline as { kind: string }[]).map((e) => e.kind)).toEqual([
      'created',
      'notified',
      'pushed',
      'acknowledged',
    ]);
    checkinToken = payload.checkin_url.split('/').at(-1)!;
  });

  it('leaves no token, key or phone number in plain text in any table or log line where it must not be', async () => {
    const phone = '+4915112345678';
    expect((await call('/v1/me', { method: 'PATCH', body: JSON.stringify({ phone_e164: phone }) })).status).toBe(200);
    const member = await call('/v1/admin/users', {
      method: 'POST',
      body: JSON.stringify({ email: 'bea@example.test', name: 'Bea', phone_e164: '+15005550199' }),
    });
    const memberToken = (member.body as { token: string }).token;
    expect((await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${memberToken}` } })).status).toBe(200);

    const secrets = {
      token,
      memberToken,
      checkinToken,
      vapidPrivateKey: env.VAPID_PRIVATE_KEY!,
      credentialsKey: env.CREDENTIALS_ENCRYPTION_KEY!,
    };
    const tables = await db.sql<
      { table_name: string }[]
    >`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
    expect(tables.length).toBeGreaterThan(15);
    for (const { table_name } of tables) {
      const rows = await db.sql.unsafe(`select row_to_json(t)::text as row from "${table_name}" t`);
      const dump = rows.map((r) => r.row as string).join('\n');
      for (const [name, secret] of Object.entries(secrets))
        expect({ table_name, name, found: dump.includes(secret) }).toEqual({ table_name, name, found: false });
      // Phone numbers belong to users alone.
      if (table_name !== 'users')
        expect({ table_name, phone: dump.includes(phone) || dump.includes('+15005550199') }).toEqual({
          table_name,
          phone: false,
        });
    }

    const logs =
      [...api.lines, ...worker.lines].map((line) => JSON.stringify(line)).join('\n') +
      [...api.rawOutput, ...worker.rawOutput].join('\n');
    expect(logs.length).toBeGreaterThan(500);
    for (const [name, secret] of Object.entries(secrets))
      expect({ name, found: logs.includes(secret) }).toEqual({ name, found: false });
    expect(logs).not.toMatch(/Bearer\s+nudge_/);
    expect(logs).not.toContain(phone);
    expect(logs).not.toContain('+15005550199');
  });
});
