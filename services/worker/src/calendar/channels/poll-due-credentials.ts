import type { Sql } from '@nudge/db';
import { PRIMARY_CALENDAR } from '@nudge/calendar';
import type { LiveCredential } from '../live-credentials.js';

/**
 * The users a poll tick syncs: every live credential without a live channel (polled every
 * minute, as before channels), and those with one only when their last sync is older than the
 * safety interval (a lost notification is caught there). A user with a targeted sync pending
 * is left to it. Least recently synced first.
 */
export function usersDueForPoll(safetySyncMinutes: number): (sql: Sql, now: Date) => Promise<LiveCredential[]> {
  return (sql, now) => sql<LiveCredential[]>`
    select c.id, c.user_id, c.refresh_token_enc, c.access_token_enc, c.expires_at, s.sync_token, s.last_full_sync_at
    from calendar_credentials c
    left join calendar_sync_state s on s.credential_id = c.id and s.calendar_id = ${PRIMARY_CALENDAR}
    where c.provider = 'google' and not c.revoked
      -- A deactivated user is neither synced nor watched (deactivation closed their channels).
      and not exists (select 1 from users u where u.id = c.user_id and u.deactivated_at is not null)
      and not exists (select 1 from calendar_sync_requests r where r.credential_id = c.id)
      and (
        s.last_synced_at is null
        or s.last_synced_at <= ${new Date(now.getTime() - safetySyncMinutes * 60_000)}
        or not exists (select 1 from calendar_channels ch where ch.credential_id = c.id and ch.state = 'live' and ch.expires_at > ${now})
      )
    order by s.last_synced_at nulls first, c.id`;
}
