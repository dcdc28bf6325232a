import type { Sql, TransactionSql } from '@nudge/db';
import { apiTokenPrefix, generateApiToken, hashApiToken } from './api-token.js';

/** A token's expiry when its creator names none. */
export const DEFAULT_TOKEN_LIFETIME_DAYS = 90;
/** The longest expiry anyone may choose; only operators may have a token that never expires. */
export const MAX_TOKEN_LIFETIME_DAYS = 366;
/** Live (unrevoked, unexpired) tokens one person may hold: enough for every tool, not a mint. */
export const MAX_LIVE_TOKENS_PER_USER = 50;

/** A personal access token as its owner sees it: never the token itself, nor its hash. */
export interface TokenListing {
  id: string;
  name: string;
  prefix: string | null;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export interface IssuedToken extends TokenListing {
  /** Shown once: only its hash is stored. */
  token: string;
}

/**
 * How long a new token lives: a number of days, or null for never (operators only, checked
 * by the caller who knows the role), or undefined for the default.
 */
export type TokenLifetime = number | null | undefined;

const COLUMNS = 'id, name, token_prefix as prefix, created_at, last_used_at, expires_at, revoked_at';

/** Issues a token for `userId` in the given transaction or connection; returns it once. */
export async function issueToken(
  sql: Sql | TransactionSql,
  input: { userId: string; name: string; lifetimeDays: TokenLifetime; now: Date },
): Promise<IssuedToken> {
  const token = generateApiToken();
  const days = input.lifetimeDays === undefined ? DEFAULT_TOKEN_LIFETIME_DAYS : input.lifetimeDays;
  const expiresAt = days === null ? null : new Date(input.now.getTime() + days * 86_400_000);
  const [row] = await (sql as Sql)<TokenListing[]>`
    insert into api_tokens (user_id, token_hash, token_prefix, name, created_at, expires_at)
    values (${input.userId}, ${hashApiToken(token)}, ${apiTokenPrefix(token)}, ${input.name}, ${input.now}, ${expiresAt})
    returning ${(sql as Sql).unsafe(COLUMNS)}`;
  return { ...row!, token };
}

/** Notes that a token was just used. */
export async function touchApiToken(sql: Sql, tokenId: string, now: Date): Promise<void> {
  await sql`update api_tokens set last_used_at = ${now} where id = ${tokenId}`;
}

/** The user's tokens that were not revoked, newest first (expired ones included, marked by expires_at). */
export async function listTokens(sql: Sql, userId: string): Promise<TokenListing[]> {
  return sql<TokenListing[]>`
    select ${sql.unsafe(COLUMNS)} from api_tokens
    where user_id = ${userId} and revoked_at is null
    order by created_at desc, id`;
}

/** The user's tokens that still work. */
export async function liveTokenCount(sql: Sql, userId: string, now: Date): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from api_tokens
    where user_id = ${userId} and revoked_at is null and (expires_at is null or expires_at > ${now})`;
  return row!.count;
}

/** Revokes one of the user's tokens; false when the user has no such (unrevoked) token. */
export async function revokeToken(sql: Sql, userId: string, tokenId: string, now: Date): Promise<boolean> {
  const rows =
    await sql`update api_tokens set revoked_at = ${now} where id = ${tokenId} and user_id = ${userId} and revoked_at is null`;
  return rows.count === 1;
}

/** Revokes every token of the user; the number revoked. */
export async function revokeAllTokens(sql: Sql | TransactionSql, userId: string, now: Date): Promise<number> {
  const rows =
    await (sql as Sql)`update api_tokens set revoked_at = ${now} where user_id = ${userId} and revoked_at is null`;
  return rows.count;
}

/** Replaces every token of the user with one new token, in one transaction. */
export async function rotateTokens(
  sql: Sql,
  input: { userId: string; name: string; lifetimeDays: TokenLifetime; now: Date },
): Promise<{ revoked: number; issued: IssuedToken }> {
  return sql.begin(async (tx) => {
    const revoked = await revokeAllTokens(tx, input.userId, input.now);
    const issued = await issueToken(tx, input);
    return { revoked, issued };
  });
}
