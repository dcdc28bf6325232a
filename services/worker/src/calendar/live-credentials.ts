import { PRIMARY_CALENDAR, type LiveCredential } from '@nudge/calendar';
import type { Sql, SqlFragment } from '@nudge/db';

export type { LiveCredential };

/**
 * The users to sync: live Google credentials (not revoked, their user not deactivated), and with
 * `also` (a condition over `c`, calendar_credentials, and `s`, calendar_sync_state) only those
 * that meet it. Least recently synced first, so users a short tick did not reach go first the
 * next time.
 */
export async function liveGoogleCredentials(sql: Sql, also: SqlFragment = sql`true`): Promise<LiveCredential[]> {
  return sql<LiveCredential[]>`
    select c.id, c.user_id, c.refresh_token_enc, c.access_token_enc, c.expires_at, s.sync_token, s.last_full_sync_at
    from calendar_credentials c
    left join calendar_sync_state s on s.credential_id = c.id and s.calendar_id = ${PRIMARY_CALENDAR}
    where c.provider = 'google' and not c.revoked
      -- A deactivated user is neither synced nor watched (deactivation closed their channels).
      and not exists (select 1 from users u where u.id = c.user_id and u.deactivated_at is not null)
      and (${also})
    order by s.last_synced_at nulls first, c.id`;
}
