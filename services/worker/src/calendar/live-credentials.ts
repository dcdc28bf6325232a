import { PRIMARY_CALENDAR, type CalendarCredentialRow, type CalendarSyncStateRow } from '@nudge/calendar';
import type { Sql } from '@nudge/db';

/** A credential the sync works from, with its calendar's sync state. */
export type LiveCredential = Pick<
  CalendarCredentialRow,
  'id' | 'user_id' | 'refresh_token_enc' | 'access_token_enc' | 'expires_at'
> &
  Pick<CalendarSyncStateRow, 'sync_token' | 'last_full_sync_at'>;

/**
 * The users to sync: live Google credentials, and nothing else decides. Least recently synced
 * first, so users a short tick did not reach go first the next time.
 */
export async function liveGoogleCredentials(sql: Sql): Promise<LiveCredential[]> {
  return sql<LiveCredential[]>`
    select c.id, c.user_id, c.refresh_token_enc, c.access_token_enc, c.expires_at, s.sync_token, s.last_full_sync_at
    from calendar_credentials c
    left join calendar_sync_state s on s.credential_id = c.id and s.calendar_id = ${PRIMARY_CALENDAR}
    where c.provider = 'google' and not c.revoked
      -- A deactivated user is neither synced nor watched (deactivation closed their channels).
      and not exists (select 1 from users u where u.id = c.user_id and u.deactivated_at is not null)
    order by s.last_synced_at nulls first, c.id`;
}
