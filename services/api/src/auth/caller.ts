import type { Sql } from '@nudge/db';
import type { UserRow } from '../orgs/users.js';
import { hashApiToken, looksLikeApiToken, touchApiToken, type ApiTokenRow } from './api-token.js';

/** The authenticated user a request acts as. Every query is scoped by its `orgId`. */
export interface Caller {
  userId: string;
  orgId: string;
  role: 'admin' | 'member';
  isOperator: boolean;
  tokenId: string;
  /** The caller's own row, read in the same query as the token. */
  user: UserRow;
}

/** last_used_at is written at most this often per token, so reads stay reads. */
const LAST_USED_RESOLUTION_SECONDS = 60;

/** One query per authenticated request: the token and its user together. */
export async function findCallerByToken(sql: Sql, token: string): Promise<Caller | undefined> {
  if (!looksLikeApiToken(token)) return undefined;
  const [row] = await sql<(UserRow & { token_id: ApiTokenRow['id']; stale: boolean })[]>`
    select u.id, u.org_id, u.email, u.name, u.phone_e164, u.timezone, u.role, u.is_operator, u.created_at,
           t.id as token_id,
           (t.last_used_at is null
            or t.last_used_at < now() - make_interval(secs => ${LAST_USED_RESOLUTION_SECONDS})) as stale
    from api_tokens t
    join users u on u.id = t.user_id
    where t.token_hash = ${hashApiToken(token)} and t.revoked_at is null`;
  if (row === undefined) return undefined;
  const { token_id: tokenId, stale, ...user } = row;
  if (stale) await touchApiToken(sql, tokenId);
  return { userId: user.id, orgId: user.org_id, role: user.role, isOperator: user.is_operator, tokenId, user };
}
