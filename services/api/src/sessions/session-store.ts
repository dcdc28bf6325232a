import { createHash, randomBytes } from 'node:crypto';
import type { SessionConfig } from '@nudge/config';
import type { Sql, TransactionSql } from '@nudge/db';
import type { UserRow } from '../orgs/users.js';

/** The cookie's value: 256 random bits. Only its hash is stored. */
export function newSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSessionSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Secrets that cannot be ours are refused before any query. */
function looksLikeSessionSecret(secret: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(secret);
}

export type SessionLifetimes = Pick<SessionConfig, 'idleMs' | 'absoluteMs'>;

/** last_seen_at is written at most this often per session, so reads stay reads. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

/** Starts a session for the user; returns the cookie's value (shown to the browser once). */
export async function startSession(
  sql: Sql,
  userId: string,
  userAgent: string | undefined,
  now: Date,
  lifetimes: SessionLifetimes,
): Promise<string> {
  const secret = newSessionSecret();
  // Ended sessions are useless; they are pruned as new ones begin.
  await sql`delete from sessions where expires_at < ${now} or last_seen_at < ${new Date(now.getTime() - lifetimes.idleMs)}`;
  await sql`
    insert into sessions (id_hash, user_id, created_at, last_seen_at, expires_at, user_agent)
    values (${hashSessionSecret(secret)}, ${userId}, ${now}, ${now}, ${new Date(now.getTime() + lifetimes.absoluteMs)}, ${userAgent?.slice(0, 512) ?? null})`;
  return secret;
}

export interface LiveSession {
  sessionId: string;
  user: UserRow;
}

/**
 * The live session behind a cookie, with its user: unexpired (absolute and idle), and the user
 * not deactivated. One query; last_seen_at moves forward at most once a minute.
 */
export async function findLiveSession(
  sql: Sql,
  secret: string,
  now: Date,
  lifetimes: SessionLifetimes,
): Promise<LiveSession | undefined> {
  if (!looksLikeSessionSecret(secret)) return undefined;
  const [row] = await sql<(UserRow & { session_id: string; last_seen_at: Date })[]>`
    select u.id, u.org_id, u.email, u.name, u.phone_e164, u.phone_verified_at, u.timezone, u.role, u.is_operator, u.created_at,
           s.id as session_id, s.last_seen_at
    from sessions s
    join users u on u.id = s.user_id
    where s.id_hash = ${hashSessionSecret(secret)}
      and s.expires_at > ${now}
      and s.last_seen_at > ${new Date(now.getTime() - lifetimes.idleMs)}
      and u.deactivated_at is null`;
  if (row === undefined) return undefined;
  const { session_id: sessionId, last_seen_at: lastSeen, ...user } = row;
  if (now.getTime() - lastSeen.getTime() >= LAST_SEEN_RESOLUTION_MS) {
    await sql`update sessions set last_seen_at = ${now} where id = ${sessionId} and last_seen_at < ${now}`;
  }
  return { sessionId, user };
}

export async function endSession(sql: Sql, userId: string, sessionId: string): Promise<boolean> {
  const rows = await sql`delete from sessions where id = ${sessionId} and user_id = ${userId}`;
  return rows.count > 0;
}

export async function endSessionBySecret(sql: Sql, secret: string): Promise<void> {
  await sql`delete from sessions where id_hash = ${hashSessionSecret(secret)}`;
}

/** Sign out everywhere (and deactivation): every session of the user ends. */
export async function endAllSessions(sql: Sql | TransactionSql, userId: string): Promise<number> {
  const rows = await (sql as Sql)`delete from sessions where user_id = ${userId}`;
  return rows.count;
}

export interface SessionView {
  id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  user_agent: string | null;
  current: boolean;
}

/** The user's live sessions, newest first; `expires_at` is when it ends if left unused. */
export async function listSessions(
  sql: Sql,
  userId: string,
  currentSessionId: string | undefined,
  now: Date,
  lifetimes: SessionLifetimes,
): Promise<SessionView[]> {
  const rows = await sql<Omit<SessionView, 'current'>[]>`
    select id, created_at, last_seen_at,
           least(expires_at, last_seen_at + make_interval(secs => ${lifetimes.idleMs / 1000})) as expires_at,
           user_agent
    from sessions
    where user_id = ${userId} and expires_at > ${now} and last_seen_at > ${new Date(now.getTime() - lifetimes.idleMs)}
    order by created_at desc`;
  return rows.map((row) => ({ ...row, current: row.id === currentSessionId }));
}
