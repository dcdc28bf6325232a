import { createHash, randomBytes } from 'node:crypto';
import type { Sql, TransactionSql } from '@nudge/db';

/**
 * API tokens: making, recognising, and the only writes of api_tokens. Only a token's hash is
 * stored; the token itself is shown once.
 */

/** An api_tokens row. */
export interface ApiTokenRow {
  id: string;
  user_id: string;
  token_hash: string;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const PREFIX = 'nudge_';

/** A new API token. Only its hash is stored; the token itself is shown once. */
export function generateApiToken(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Tokens that cannot be ours are rejected before any query. */
export function looksLikeApiToken(token: string): boolean {
  return token.startsWith(PREFIX) && token.length === PREFIX.length + 43 && /^[A-Za-z0-9_-]+$/.test(token.slice(PREFIX.length));
}

/** Stores a new token's hash for a user; the caller shows the token once. */
export async function storeApiToken(sql: Sql | TransactionSql, userId: string, token: string, name: string): Promise<void> {
  await sql`insert into api_tokens (user_id, token_hash, name) values (${userId}, ${hashApiToken(token)}, ${name})`;
}

/** Notes that a token was just used. */
export async function touchApiToken(sql: Sql, tokenId: string): Promise<void> {
  await sql`update api_tokens set last_used_at = now() where id = ${tokenId}`;
}
