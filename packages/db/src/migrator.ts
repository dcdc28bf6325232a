import { setTimeout as sleep } from 'node:timers/promises';
import { Umzug, type UmzugStorage } from 'umzug';
import { createDbClient, type Sql } from './client.js';
import { listSqlMigrations, MIGRATIONS_DIR, readSqlMigration } from './sql-migrations.js';

/** One key for every Nudge process: whoever holds it is the only one migrating. */
const MIGRATION_LOCK_KEY = 0x6e75646765; // "nudge"

export interface MigrationLogger {
  info(fields: object, message: string): void;
}

export interface MigrateOptions {
  url: string;
  logger: MigrationLogger;
  /** How long to wait for another process's migration before giving up. */
  lockTimeoutMs?: number;
  dir?: string;
}

export interface MigrateResult {
  applied: string[];
  /** Milliseconds spent waiting for another process holding the migration lock. */
  waitedMs: number;
}

/**
 * The applied migrations live in the table `migrations`. A migration records itself inside its
 * own transaction, so a crash can never leave one applied but unrecorded; the storage therefore
 * only reads.
 */
function migrationsTableStorage(sql: Sql): UmzugStorage {
  return {
    async executed() {
      await ensureMigrationsTable(sql);
      const rows = await sql<{ name: string }[]>`select name from migrations order by name`;
      return rows.map((row) => row.name);
    },
    async logMigration() {},
    async unlogMigration({ name }) {
      await sql`delete from migrations where name = ${name}`;
    },
  };
}

async function ensureMigrationsTable(sql: Sql): Promise<void> {
  await sql`
    create table if not exists migrations (
      name        text primary key,
      applied_at  timestamptz not null default now()
    )`;
}

async function acquireLock(sql: Sql, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const [row] = await sql<{ locked: boolean }[]>`select pg_try_advisory_lock(${MIGRATION_LOCK_KEY}) as locked`;
    if (row?.locked === true) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`another process has held the migration lock for over ${timeoutMs} ms`);
    }
    await sleep(100);
  }
}

/**
 * Runs every pending migration, each in its own transaction, under a Postgres advisory lock:
 * any number of processes may call this at once and the migrations run exactly once.
 */
export async function runMigrations(options: MigrateOptions): Promise<MigrateResult> {
  // Its own small pool: one connection holds the session lock, one runs the migrations.
  const sql = createDbClient({
    url: options.url,
    max: 2,
    connectTimeoutSeconds: 10,
    statementTimeoutMs: 15 * 60_000,
    applicationName: 'nudge-migrate',
  });
  try {
    const lock = await sql.reserve();
    try {
      const waitedMs = await acquireLock(lock, options.lockTimeoutMs ?? 120_000);
      try {
        const migrations = await listSqlMigrations(options.dir ?? MIGRATIONS_DIR);
        const umzug = new Umzug({
          migrations: migrations.map((migration) => ({
            name: migration.name,
            up: async () => {
              const body = await readSqlMigration(migration);
              await sql.begin(async (tx) => {
                await tx.unsafe(body);
                await tx`insert into migrations (name) values (${migration.name})`;
              });
            },
          })),
          storage: migrationsTableStorage(sql),
          logger: undefined,
        });
        umzug.on('migrated', ({ name }) =>
          options.logger.info({ event: 'db.migration.applied', migration: name }, `applied migration ${name}`),
        );
        const applied = await umzug.up();
        return { applied: applied.map((m) => m.name), waitedMs };
      } finally {
        await lock`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      }
    } finally {
      lock.release();
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Migrations shipped with this build that the database has not applied. */
export async function pendingMigrations(sql: Sql, dir = MIGRATIONS_DIR): Promise<string[]> {
  const [{ exists } = { exists: false }] = await sql<{ exists: boolean }[]>`
    select to_regclass('public.migrations') is not null as exists`;
  const applied = new Set(
    exists ? (await sql<{ name: string }[]>`select name from migrations`).map((row) => row.name) : [],
  );
  return (await listSqlMigrations(dir)).map((m) => m.name).filter((name) => !applied.has(name));
}
