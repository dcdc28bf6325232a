import type { Sql } from '@nudge/db';
import { hashApiToken, looksLikeApiToken } from './api-token.js';

/** The authenticated user a request acts as. Every query is scoped by its `orgId`. */
export interface Caller {
  userId: string;
  orgId: string;
  role: 'admin' | 'member';
  isOperator: boolean;
  tokenId: string;
}

/** last_used_at is written at most this often per token, so reads stay reads. */
const LAST_USED_RESOLUTION_SECONDS = 60;

interface CallerRow {
  user_id: string;
  org_id: string;
  role: 'admin' | 'member';
  is_operator: boolean;
  token_id: string;
  stale: boolean;
}

export async function findCallerByToken(sql: Sql, token: string): Promise<Caller | undefined> {
  if (!looksLikeApiToken(token)) return undefined;
  const [row] = await sql<CallerRow[]>`
    select u.id as user_id, u.org_id, u.role, u.is_operator, t.id as token_id,
           (t.last_used_at is null
            or t.last_used_at < now() - make_interval(secs => ${LAST_USED_RESOLUTION_SECONDS})) as stale
    from api_tokens t
    join users u on u.id = t.user_id
    where t.token_hash = ${hashApiToken(token)} and t.revoked_at is null`;
  if (row === undefined) return undefined;
  if (row.stale) await sql`update api_tokens set last_used_at = now() where id = ${row.token_id}`;
  return {
    userId: row.user_id,
    orgId: row.org_id,
    role: row.role,
    isOperator: row.is_operator,
    tokenId: row.token_id,
  };
}
