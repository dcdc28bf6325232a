import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import postgres from 'postgres';
import { createDbClient, listSqlMigrations, runMigrations, type Sql } from '@nudge/db';

/** The server tests use; each test file gets its own database on it. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function databaseUrl(name: string): string {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return url.href;
}

function adminClient(): postgres.Sql {
  return postgres(TEST_SERVER_URL, { max: 1, onnotice: () => {} });
}

/** The template's name changes whenever a migration does, so a stale template is never cloned. */
async function templateName(): Promise<string> {
  const hash = createHash('sha256');
  for (const migration of await listSqlMigrations()) {
    hash.update(migration.name).update(await readFile(migration.path));
  }
  return `nudge_template_${hash.digest('hex').slice(0, 12)}`;
}

/** Creates the migrated template once per migration set (jest's global setup calls it). */
export async function prepareTemplateDatabase(): Promise<string> {
  const name = await templateName();
  const admin = adminClient();
  try {
    await admin`select pg_advisory_lock(${0x74706c})`;
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (exists === undefined) {
      const building = `${name}_building`;
      await admin.unsafe(`drop database if exists "${building}"`);
      await admin.unsafe(`create database "${building}"`);
      await runMigrations({ url: databaseUrl(building), logger: { info() {} } });
      await admin.unsafe(`alter database "${building}" rename to "${name}"`);
      await admin.unsafe(`alter database "${name}" with is_template true`);
    }
    // Databases left behind by runs that were killed: their names carry their creation time.
    const cutoff = Math.floor(Date.now() / 1000) - 3600;
    const leftovers = await admin<
      { datname: string }[]
    >`select datname from pg_database where datname like 'nudge\\_t\\_%'`;
    for (const { datname } of leftovers) {
      const created = Number(datname.split('_')[2]);
      if (created < cutoff) await admin.unsafe(`drop database if exists "${datname}"`).catch(() => undefined);
    }
    await admin`select pg_advisory_unlock(${0x74706c})`;
    return name;
  } finally {
    await admin.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  /** A small pool on the database, closed by `drop`. */
  sql: Sql;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file: a clone of the migrated template, or an empty one
 * (`migrated: false`) for tests of migrations themselves.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `nudge_t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  const admin = adminClient();
  try {
    const template = options.migrated === false ? 'template0' : await templateName();
    await admin.unsafe(`create database "${name}" template "${template}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  const sql = createDbClient({
    url,
    max: 4,
    connectTimeoutSeconds: 5,
    statementTimeoutMs: 30_000,
    applicationName: 'nudge-test',
  });
  return {
    name,
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const dropper = adminClient();
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
