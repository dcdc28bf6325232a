import { spawn } from 'node:child_process';
import { createECDH } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { childBaseEnv, createTestDatabase, type TestDatabase, VALID_CONFIG_ENV } from '@nudge/testkit';
import { hashApiToken } from './auth/api-token.js';

const CLI = fileURLToPath(new URL('./cli.js', import.meta.url));

function nudgeAdmin(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...childBaseEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('nudge-admin', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
  });
  afterAll(async () => {
    await db.drop();
  });

  it('create-org prints orgId, userId and a token that works, and makes the first admin an operator', async () => {
    const first = await nudgeAdmin(
      [
        'create-org',
        '--org',
        'Acme',
        '--email',
        'Ada@Acme.test',
        '--name',
        'Ada',
        '--phone',
        '+4915112345678',
        '--timezone',
        'Europe/Berlin',
      ],
      env,
    );
    expect(first.code).toBe(0);
    const created = JSON.parse(first.stdout) as { orgId: string; userId: string; token: string };
    expect(Object.keys(created).sort()).toEqual(['orgId', 'token', 'userId']);
    const [user] = await db.sql`
      select u.email, u.role, u.is_operator, u.org_id, t.token_hash
      from users u join api_tokens t on t.user_id = u.id where u.id = ${created.userId}`;
    expect(user).toEqual({
      email: 'ada@acme.test',
      role: 'admin',
      is_operator: true,
      org_id: created.orgId,
      token_hash: hashApiToken(created.token),
    });

    const second = await nudgeAdmin(['create-org', '--org', 'Beta', '--email', 'b@beta.test', '--name', 'B'], env);
    const [beta] =
      await db.sql`select is_operator, timezone from users where id = ${(JSON.parse(second.stdout) as { userId: string }).userId}`;
    expect(beta).toEqual({ is_operator: false, timezone: 'UTC' });

    const third = await nudgeAdmin(
      ['create-org', '--org', 'Ops', '--email', 'o@ops.test', '--name', 'O', '--operator'],
      env,
    );
    const [ops] =
      await db.sql`select is_operator from users where id = ${(JSON.parse(third.stdout) as { userId: string }).userId}`;
    expect(ops).toEqual({ is_operator: true });
  });

  it("users deactivate stops the user's tokens and sessions at once and cancels their open alerts", async () => {
    const created = await nudgeAdmin(
      ['create-org', '--org', 'Leavers', '--email', 'leaver@leavers.test', '--name', 'L'],
      env,
    );
    const { userId, token } = JSON.parse(created.stdout) as { userId: string; token: string };
    await db.sql`insert into sessions (id_hash, user_id, expires_at) values ('leaver-session', ${userId}, now() + interval '1 day')`;
    const [meeting] = await db.sql<{ id: string }[]>`
      insert into meetings (user_id, external_id, title, starts_at, ends_at, status) values (${userId}, 'm1', 'Standup', now() + interval '1 hour', now() + interval '2 hours', 'confirmed') returning id`;
    const [rule] = await db.sql<{ id: string }[]>`insert into alert_rules (user_id) values (${userId}) returning id`;
    const [alert] = await db.sql<{ id: string }[]>`
      insert into alerts (user_id, meeting_id, rule_id, due_at, state) values (${userId}, ${meeting!.id}, ${rule!.id}, now(), 'notified') returning id`;

    const done = await nudgeAdmin(['users', 'deactivate', '--email', 'Leaver@Leavers.test'], env);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ userId, endedSessions: 1, cancelledAlerts: 1 });
    expect(await db.sql`select deactivated_at is not null as deactivated from users where id = ${userId}`).toEqual([
      { deactivated: true },
    ]);
    expect(await db.sql`select state from alerts where id = ${alert!.id}`).toEqual([{ state: 'cancelled' }]);
    expect(await db.sql`select 1 from sessions where user_id = ${userId}`).toEqual([]);
    // The token is still stored, but the auth lookup requires an active user.
    expect(
      await db.sql`select 1 from api_tokens t join users u on u.id = t.user_id where t.token_hash = ${hashApiToken(token)} and u.deactivated_at is null`,
    ).toEqual([]);

    const nobody = await nudgeAdmin(['users', 'deactivate', '--email', 'nobody@leavers.test'], env);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('no user has the email nobody@leavers.test');
    expect((await nudgeAdmin(['users', 'frobnicate'], env)).code).toBe(2);
  });

  it.each([
    [['create-org', '--org', 'X', '--name', 'N'], 2, /--email is required/],
    [['create-org', '--org', 'X', '--email', 'nope', '--name', 'N'], 2, /--email must be an email address/],
    [
      ['create-org', '--org', 'X', '--email', 'x@y.test', '--name', 'N', '--phone', '12345'],
      2,
      /--phone must be an E.164 number/,
    ],
    [
      ['create-org', '--org', 'X', '--email', 'x@y.test', '--name', 'N', '--timezone', 'Nowhere'],
      2,
      /--timezone must be an IANA time zone/,
    ],
    [['create-org', '--org', 'X', '--email', 'ada@acme.test', '--name', 'N'], 1, /already exists/],
    [['frobnicate'], 2, /unknown command "frobnicate"/],
  ])('%j exits %i with a clear message', async (args, code, message) => {
    const result = await nudgeAdmin(args, env);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('refuses to run without a valid DATABASE_URL, naming it', async () => {
    const result = await nudgeAdmin(['migrate'], { DATABASE_URL: 'sqlite:///tmp/x.db' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL is a SQLite URL; Nudge needs PostgreSQL');
  });

  it('vapid-keys prints a P-256 key pair that the api accepts', async () => {
    const result = await nudgeAdmin(['vapid-keys'], {});
    expect(result.code).toBe(0);
    const keys = JSON.parse(result.stdout) as { publicKey: string; privateKey: string };
    expect(Buffer.from(keys.publicKey, 'base64url')).toHaveLength(65);
    expect(Buffer.from(keys.privateKey, 'base64url')).toHaveLength(32);
    const again = JSON.parse((await nudgeAdmin(['vapid-keys'], {})).stdout) as { publicKey: string };
    expect(again.publicKey).not.toBe(keys.publicKey);
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(keys.privateKey, 'base64url'));
    expect(ecdh.getPublicKey('base64url')).toBe(keys.publicKey);
  });

  it('verify-schema exits 1 naming each missing column and its migration', async () => {
    expect((await nudgeAdmin(['verify-schema', '--role', 'worker'], env)).code).toBe(0);
    await db.sql`alter table sync_runs drop column skipped_count`;
    const result = await nudgeAdmin(['verify-schema', '--role', 'worker'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('missing column sync_runs.skipped_count: apply migration 0001_initial');
    expect(JSON.parse(result.stdout)).toEqual({
      role: 'worker',
      ok: false,
      missing: [{ table: 'sync_runs', column: 'skipped_count', migration: '0001_initial' }],
    });
    // The api does not query sync_runs.
    expect((await nudgeAdmin(['verify-schema', '--role', 'api'], env)).code).toBe(0);
  });
  it('tokens list, revoke and rotate manage a user’s personal access tokens without ever printing a stored one', async () => {
    const created = JSON.parse(
      (await nudgeAdmin(['create-org', '--org', 'Tok', '--email', 'tok@tok.test', '--name', 'Tok'], env)).stdout,
    ) as { userId: string; token: string };
    const lines = (out: string) =>
      out
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    const listed = await nudgeAdmin(['tokens', 'list', '--email', 'TOK@tok.test'], env);
    expect(listed.code).toBe(0);
    const [only] = lines(listed.stdout);
    expect(only).toMatchObject({
      name: 'created with the organisation',
      prefix: created.token.slice(0, 12),
      lastUsedAt: null,
    });
    expect(Object.keys(only!).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix']);
    expect(listed.stdout).not.toContain(created.token);

    // Rotation: the old token is revoked, a new one printed once, expiring as asked.
    const rotated = await nudgeAdmin(
      ['tokens', 'rotate', '--email', 'tok@tok.test', '--name', 'ci', '--expires-in-days', '30'],
      env,
    );
    expect(rotated.code).toBe(0);
    const fresh = JSON.parse(rotated.stdout) as { id: string; token: string; expiresAt: string; revoked: number };
    expect(fresh.revoked).toBe(1);
    expect(fresh.token).toMatch(/^nudge_/);
    expect(Math.abs(new Date(fresh.expiresAt).getTime() - Date.now() - 30 * 86_400_000)).toBeLessThan(60_000);
    const rows =
      await db.sql`select token_hash, revoked_at from api_tokens where user_id = ${created.userId} order by created_at`;
    expect(rows.map((r) => [r.token_hash, r.revoked_at === null])).toEqual([
      [hashApiToken(created.token), false],
      [hashApiToken(fresh.token), true],
    ]);

    // Tok is not an operator: a token that never expires is refused.
    const forever = await nudgeAdmin(['tokens', 'rotate', '--email', 'tok@tok.test', '--no-expiry'], env);
    expect(forever.code).toBe(1);
    expect(forever.stderr).toMatch(/only operators/);

    const revoked = await nudgeAdmin(['tokens', 'revoke', '--email', 'tok@tok.test', '--id', fresh.id], env);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toEqual({ revoked: 1 });
    expect(lines((await nudgeAdmin(['tokens', 'list', '--email', 'tok@tok.test'], env)).stdout)).toEqual([]);
    const again = await nudgeAdmin(['tokens', 'revoke', '--email', 'tok@tok.test', '--id', fresh.id], env);
    expect(again.code).toBe(1);
  });

  it.each([
    [['tokens', 'list'], 2, /--email is required/],
    [['tokens', 'list', '--email', 'nobody@nowhere.test'], 1, /no user has the email/],
    [['tokens', 'frob', '--email', 'ada@acme.test'], 2, /list, revoke or rotate/],
    [['tokens', 'revoke', '--email', 'ada@acme.test'], 2, /--id TOKEN_ID or --all/],
    [['tokens', 'rotate', '--email', 'ada@acme.test', '--expires-in-days', '0'], 2, /--expires-in-days must be/],
  ])('%j exits %i with a clear message', async (args, code, message) => {
    const result = await nudgeAdmin(args, env);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it('check-config names every bad variable of the role, exit 1, and never prints a secret', async () => {
    const ok = await nudgeAdmin(['check-config', '--role', 'worker'], VALID_CONFIG_ENV);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ role: 'worker', ok: true, complete: true, problems: [] });

    const bad = await nudgeAdmin(['check-config', '--role', 'api'], {
      ...VALID_CONFIG_ENV,
      VAPID_PUBLIC_KEY: 'BAD-vapid-key',
      CREDENTIALS_ENCRYPTION_KEY: 'secret-but-short',
      LOG_LEVEL: 'loud',
    });
    expect(bad.code).toBe(1);
    const lines = bad.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).toMatch(/^check-config: api: LOG_LEVEL /m);
    expect(lines.join('\n')).toMatch(/^check-config: api: VAPID_PUBLIC_KEY must be an uncompressed P-256/m);
    expect(lines.join('\n')).toMatch(/^check-config: api: CREDENTIALS_ENCRYPTION_KEY must be 32 bytes/m);
    expect(bad.stderr + bad.stdout).not.toContain('secret-but-short');
    const report = JSON.parse(bad.stdout) as { ok: boolean; problems: { variable: string }[] };
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.variable).sort()).toEqual(
      ['CREDENTIALS_ENCRYPTION_KEY', 'LOG_LEVEL', 'VAPID_PUBLIC_KEY'].sort(),
    );

    // The calls role reads neither VAPID nor the credentials key.
    const calls = await nudgeAdmin(['check-config', '--role', 'calls'], {
      DATABASE_URL: VALID_CONFIG_ENV.DATABASE_URL,
    });
    expect(calls.code).toBe(0);
    const unknown = await nudgeAdmin(['check-config', '--role', 'web'], VALID_CONFIG_ENV);
    expect(unknown.code).toBe(2);
  });

  it('schema-version prints the newest migration of the code and of the database', async () => {
    const code = await nudgeAdmin(['schema-version', '--code'], {});
    expect(code.code).toBe(0);
    const { code: newest } = JSON.parse(code.stdout) as { code: string };
    expect(newest).toMatch(/^\d{4}_[a-z0-9_]+$/);
    const both = await nudgeAdmin(['schema-version'], env);
    expect(both.code).toBe(0);
    expect(JSON.parse(both.stdout)).toEqual({ code: newest, database: newest });
    await db.sql`delete from migrations where name = ${newest}`;
    const behind = JSON.parse((await nudgeAdmin(['schema-version'], env)).stdout) as { database: string };
    expect(behind.database < newest).toBe(true);
    await db.sql`insert into migrations (name) values (${newest})`;
  });
});
