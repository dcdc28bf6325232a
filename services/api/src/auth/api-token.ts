import { createHash, randomBytes } from 'node:crypto';

/**
 * API tokens: making and recognising them (their rows are written by personal-access-tokens.ts).
 * Only a token's hash is stored; the token itself is shown once.
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
  /** Null: never expires (operators, and tokens from before expiry existed). */
  expires_at: Date | null;
  /** Null for tokens from before prefixes were kept. */
  token_prefix: string | null;
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
  return (
    token.startsWith(PREFIX) &&
    token.length === PREFIX.length + 43 &&
    /^[A-Za-z0-9_-]+$/.test(token.slice(PREFIX.length))
  );
}

/** The start of a token that people see to tell their tokens apart ("nudge_AbC12x…"); far too short to use. */
export function apiTokenPrefix(token: string): string {
  return token.slice(0, PREFIX.length + 6);
}
