import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { useTestDatabase } from '@nudge/testkit/jest';
import { listSqlMigrations, pendingMigrations, runMigrations, SCHEMA_BY_MIGRATION, verifySchema } from '@nudge/db';

const silent = { info() {} };
const CLI = fileURLToPath(new URL('../../../services/api/dist/cli.js', import.meta.url));

function migrateInProcess(url: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'migrate'], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

describe('migrations', () => {
  const db = useTestDatabase({ migrated: false });

  it('five processes started at the same moment migrate an empty database exactly once', async () => {
    const all = (await listSqlMigrations()).map((m) => m.name);
    expect(await pendingMigrations(db.sql)).toEqual(all);

    const results = await Promise.all(Array.from({ length: 5 }, () => migrateInProcess(db.url)));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    const applied = results.map((r) => (JSON.parse(r.stdout) as { applied: string[] }).applied);
    expect(applied.filter((names) => names.length > 0)).toEqual([all]);

    const rows = await db.sql<{ name: string }[]>`select name from migrations order by name`;
    expect(rows.map((r) => r.name)).toEqual(all);
    expect(await pendingMigrations(db.sql)).toEqual([]);
  });

  it('re-running migrations is a no-op', async () => {
    const again = await runMigrations({ url: db.url, logger: silent });
    expect(again.applied).toEqual([]);
  });

  it('creates every declared table and column', async () => {
    for (const role of ['api', 'calls', 'worker'] as const) {
      expect(await verifySchema(db.sql, role)).toEqual([]);
    }
    const declared = Object.values(SCHEMA_BY_MIGRATION).flatMap((tables) => Object.keys(tables));
    const [{ count } = { count: 0 }] = await db.sql<{ count: number }[]>`
      select count(*)::int as count from information_schema.tables
      where table_schema = 'public' and table_name in ${db.sql(declared)}`;
    expect(count).toBe(new Set(declared).size);
  });

  it('rolls a failing migration back whole and records nothing', async () => {
    const dir = await import('node:fs/promises').then(async (fs) => {
      const tmp = await fs.mkdtemp(`${(await import('node:os')).tmpdir()}/nudge-migrations-`);
      for (const m of await listSqlMigrations()) await fs.copyFile(m.path, `${tmp}/${m.name}.sql`);
      await fs.writeFile(`${tmp}/9999_broken.sql`, 'create table half_done (id int);\nselect no_such_function();\n');
      return tmp;
    });
    await expect(runMigrations({ url: db.url, logger: silent, dir })).rejects.toThrow(/no_such_function/);
    const [table] = await db.sql`select to_regclass('public.half_done') as t`;
    expect(table?.t).toBeNull();
    expect(await db.sql`select 1 from migrations where name = '9999_broken'`).toHaveLength(0);
  });
});

describe('schema verification', () => {
  const db = useTestDatabase();

  it('names the table, the column and the migration that adds a missing column, for the roles that query it', async () => {
    await db.sql`alter table users drop column phone_e164`;
    await db.sql`alter table processed_webhook_events drop column received_at`;
    expect(await verifySchema(db.sql, 'api')).toEqual([
      { table: 'users', column: 'phone_e164', migration: '0001_initial' },
    ]);
    expect(await verifySchema(db.sql, 'calls')).toEqual([
      { table: 'users', column: 'phone_e164', migration: '0001_initial' },
      { table: 'processed_webhook_events', column: 'received_at', migration: '0001_initial' },
    ]);
  });
});
