import type { Sql } from '@nudge/db';
import type { UserRow } from '../orgs/users.js';
import { hashApiToken, looksLikeApiToken, type ApiTokenRow } from './api-token.js';
import { touchApiToken } from './personal-access-tokens.js';

/** The authenticated user a request acts as. Every query is scoped by its `orgId`. */
export interface Caller {
  userId: string;
  orgId: string;
  role: 'admin' | 'member';
  isOperator: boolean;
  /** The API token the request carried; null for a browser session. */
  tokenId: string | null;
  /** The browser session the request carried; null for an API token. */
  sessionId: string | null;
  /** The caller's own row, read in the same query as the token. */
  user: UserRow;
}

/** last_used_at is written at most this often per token, so reads stay reads. */
const LAST_USED_RESOLUTION_SECONDS = 60;

/** Why a token that exists does not authenticate: each has its own 401 code. */
export type TokenRefusal = 'token_revoked' | 'token_expired' | 'account_deactivated';

/**
 * One query per authenticated request: the token and its user together. A revoked or expired
 * token is told apart from an unknown one, so its holder knows to make a new one; a deactivated
 * user's tokens stop working at once.
 */
export async function findCallerByToken(
  sql: Sql,
  token: string,
  now: Date,
): Promise<Caller | TokenRefusal | undefined> {
  if (!looksLikeApiToken(token)) return undefined;
  const [row] = await sql<
    (UserRow & {
      token_id: ApiTokenRow['id'];
      stale: boolean;
      revoked: boolean;
      expired: boolean;
      deactivated: boolean;
    })[]
  >`
    select u.id, u.org_id, u.email, u.name, u.phone_e164, u.phone_verified_at, u.timezone, u.role, u.is_operator, u.created_at,
           t.id as token_id,
           t.revoked_at is not null as revoked,
           u.deactivated_at is not null as deactivated,
           coalesce(t.expires_at <= ${now}, false) as expired,
           (t.last_used_at is null
            or t.last_used_at < ${now}::timestamptz - make_interval(secs => ${LAST_USED_RESOLUTION_SECONDS})) as stale
    from api_tokens t
    join users u on u.id = t.user_id
    where t.token_hash = ${hashApiToken(token)}`;
  if (row === undefined) return undefined;
  const { token_id: tokenId, stale, revoked, expired, deactivated, ...user } = row;
  if (deactivated) return 'account_deactivated';
  if (revoked) return 'token_revoked';
  if (expired) return 'token_expired';
  if (stale) await touchApiToken(sql, tokenId, now);
  return {
    userId: user.id,
    orgId: user.org_id,
    role: user.role,
    isOperator: user.is_operator,
    tokenId,
    sessionId: null,
    user,
  };
}
