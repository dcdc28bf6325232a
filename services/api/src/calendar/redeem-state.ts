import type { Sql } from '@nudge/db';
import type { OAuthState } from './oauth-state.js';

/** An oauth_states row: a redeemed OAuth state, kept until it expires so it cannot be replayed; written only here. */
export interface OAuthStateRow {
  nonce: string;
  user_id: string;
  expires_at: Date;
  used_at: Date;
}

export type Redemption = 'redeemed' | 'already_used' | 'unknown_user';

/**
 * Marks a verified state as used; a second redemption (a replayed callback) is refused.
 * Expired states can never verify again, so their rows are pruned here as well.
 */
export async function redeemOAuthState(sql: Sql, state: OAuthState, now: Date): Promise<Redemption> {
  await sql`delete from oauth_states where expires_at < ${now}`;
  const [row] = await sql<{ redeemed: boolean; user_exists: boolean }[]>`
    with inserted as (
      insert into oauth_states (nonce, user_id, expires_at)
      select ${state.nonce}, id, ${state.expiresAt} from users where id = ${state.userId}
      on conflict (nonce) do nothing
      returning true as redeemed
    )
    select exists (select 1 from inserted) as redeemed, exists (select 1 from users where id = ${state.userId}) as user_exists`;
  if (row?.redeemed === true) return 'redeemed';
  return row?.user_exists === true ? 'already_used' : 'unknown_user';
}
