import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

const EXAMPLE = 'postgres://nudge:secret@db.example.com:5432/nudge';

/** A DATABASE_URL that cannot work; `problem` reads after the variable's name. */
export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
  readonly example = EXAMPLE;

  constructor(readonly problem: string) {
    super(`DATABASE_URL ${problem}; example: DATABASE_URL=${EXAMPLE}`);
  }
}

export interface DatabaseUrl {
  /** The URL in its one normalised form (`postgres://`), password included: never log it. */
  url: string;
  /** The same URL with the password masked, safe to log. */
  redacted: string;
  /** A host name, an IP address, or a Unix socket directory. */
  host: string;
  port: number;
  database: string;
}

const OTHER_DATABASES: Record<string, string> = {
  'sqlite:': 'SQLite',
  'sqlite3:': 'SQLite',
  'file:': 'SQLite',
  'mysql:': 'MySQL',
  'mysql2:': 'MySQL',
  'mariadb:': 'MariaDB',
  'mongodb:': 'MongoDB',
  'mongodb+srv:': 'MongoDB',
  'sqlserver:': 'SQL Server',
  'mssql:': 'SQL Server',
};

function redact(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password !== '') copy.password = '***';
  return copy.href;
}

/**
 * Validates DATABASE_URL: set, a postgres:// or postgresql:// URL with a host and a database
 * name. Both schemes are accepted; `postgres://` is the normalised form.
 */
export function parseDatabaseUrl(raw: string | undefined): DatabaseUrl {
  if (raw === undefined) throw new DatabaseUrlError('is not set');
  const value = raw.trim();
  if (value === '') throw new DatabaseUrlError('is empty');

  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined)
    throw new DatabaseUrlError('is not a URL (expected postgres://user:password@host:5432/database)');
  const other = OTHER_DATABASES[scheme];
  if (other !== undefined) throw new DatabaseUrlError(`is a ${other} URL; Nudge needs PostgreSQL`);
  if (scheme !== 'postgres:' && scheme !== 'postgresql:') {
    throw new DatabaseUrlError(`has the scheme "${scheme}//"; expected postgres:// or postgresql://`);
  }

  let url: URL;
  try {
    url = new URL(`postgres:${value.slice(scheme.length)}`);
  } catch {
    throw new DatabaseUrlError('is not a valid URL (check for unescaped characters in the password)');
  }

  // A Unix socket is named with ?host=/path/to/dir and an empty authority.
  const host = url.hostname !== '' ? url.hostname : (url.searchParams.get('host') ?? '');
  if (host === '') throw new DatabaseUrlError(`has no host (${redact(url)})`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '') throw new DatabaseUrlError(`names no database (${redact(url)}); add it as the path`);
  if (database.includes('/')) throw new DatabaseUrlError(`has a path that is not a database name (${redact(url)})`);

  return {
    url: url.href,
    redacted: redact(url),
    host: host.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 5432 : Number(url.port),
    database,
  };
}

export class DatabaseHostError extends Error {
  override readonly name = 'DatabaseHostError';

  constructor(
    readonly host: string,
    readonly code: string,
  ) {
    super(
      `DATABASE_URL host "${host}" does not resolve (${code}); check the host name and the DNS of this container or machine`,
    );
  }
}

/** Resolves the database host once at start, so a DNS failure is reported as such, not as a stream of errors later. */
export async function assertDatabaseHostResolves(db: DatabaseUrl): Promise<void> {
  if (db.host.startsWith('/') || isIP(db.host) !== 0) return;
  try {
    await lookup(db.host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'lookup failed';
    throw new DatabaseHostError(db.host, code);
  }
}
