import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The folder shipped with this package that holds the numbered `.sql` migrations. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

const MIGRATION_FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

export interface SqlMigration {
  /** The file name without `.sql`, e.g. `0001_initial`. */
  name: string;
  path: string;
}

/** Every numbered migration file, in order. A stray file in the folder is an error, not a skip. */
export async function listSqlMigrations(dir = MIGRATIONS_DIR): Promise<SqlMigration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const seen = new Set<string>();
  return files.map((file) => {
    const match = MIGRATION_FILE.exec(file);
    if (match === null) throw new Error(`migration file "${file}" is not named NNNN_snake_case.sql`);
    const number = match[1] as string;
    if (seen.has(number)) throw new Error(`two migration files share the number ${number}`);
    seen.add(number);
    return { name: file.slice(0, -'.sql'.length), path: `${dir}/${file}` };
  });
}

export async function readSqlMigration(migration: SqlMigration): Promise<string> {
  return readFile(migration.path, 'utf8');
}
