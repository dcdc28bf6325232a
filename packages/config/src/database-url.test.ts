import { describe, expect, it } from '@jest/globals';
import { assertDatabaseHostResolves, DatabaseHostError, DatabaseUrlError, parseDatabaseUrl } from './database-url.js';

function problem(raw: string | undefined): string {
  try {
    parseDatabaseUrl(raw);
  } catch (err) {
    if (err instanceof DatabaseUrlError) return err.problem;
    throw err;
  }
  throw new Error(`accepted ${raw}`);
}

describe('DATABASE_URL validation', () => {
  it.each([
    [undefined, 'is not set'],
    ['', 'is empty'],
    ['   ', 'is empty'],
    ['sqlite:///var/lib/nudge.db', 'is a SQLite URL; Nudge needs PostgreSQL'],
    ['file:nudge.db', 'is a SQLite URL; Nudge needs PostgreSQL'],
    ['mysql://root:pw@db:3306/nudge', 'is a MySQL URL; Nudge needs PostgreSQL'],
    ['http://db.example.com/nudge', 'has the scheme "http://"; expected postgres:// or postgresql://'],
    ['db.example.com:5432/nudge', 'has the scheme "db.example.com://"; expected postgres:// or postgresql://'],
    ['nudge', 'is not a URL (expected postgres://user:password@host:5432/database)'],
    ['postgres:///nudge', 'has no host (postgres:///nudge)'],
    [
      'postgres://u:secret@db.example.com:5432',
      'names no database (postgres://u:***@db.example.com:5432); add it as the path',
    ],
    ['postgres://u@db.example.com:5432/', 'names no database (postgres://u@db.example.com:5432/); add it as the path'],
  ])('%s → %s', (raw, expected) => {
    expect(problem(raw)).toBe(expected);
  });

  it('accepts postgres:// and postgresql:// and normalises to postgres://', () => {
    const a = parseDatabaseUrl('postgresql://nudge:p%40ss@db.example.com:6432/nudge?sslmode=require');
    const b = parseDatabaseUrl('postgres://nudge:p%40ss@db.example.com:6432/nudge?sslmode=require');
    expect(a.url).toBe(b.url);
    expect(a.url.startsWith('postgres://')).toBe(true);
    expect(a).toMatchObject({ host: 'db.example.com', port: 6432, database: 'nudge' });
    expect(a.redacted).toBe('postgres://nudge:***@db.example.com:6432/nudge?sslmode=require');
  });

  it('accepts a Unix socket given as ?host=', () => {
    expect(parseDatabaseUrl('postgres:///nudge?host=/var/run/postgresql&user=nudge')).toMatchObject({
      host: '/var/run/postgresql',
      database: 'nudge',
    });
  });

  it('never puts the password in an error', () => {
    expect(problem('postgres://u:topsecret@host')).not.toContain('topsecret');
  });

  it('reports a host that does not resolve as a DNS failure', async () => {
    // .invalid is reserved: it never resolves (RFC 6761).
    const url = parseDatabaseUrl('postgres://nudge@db.nudge.invalid/nudge');
    const err = await assertDatabaseHostResolves(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseHostError);
    expect((err as DatabaseHostError).message).toMatch(
      /^DATABASE_URL host "db.nudge.invalid" does not resolve \((ENOTFOUND|EAI_AGAIN)\)/,
    );
  });

  it('resolves localhost and IP addresses', async () => {
    await expect(assertDatabaseHostResolves(parseDatabaseUrl('postgres://u@localhost/db'))).resolves.toBeUndefined();
    await expect(assertDatabaseHostResolves(parseDatabaseUrl('postgres://u@127.0.0.1/db'))).resolves.toBeUndefined();
  });
});
