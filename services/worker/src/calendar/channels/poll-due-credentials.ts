import type { Sql } from '@nudge/db';
import { liveGoogleCredentials, type LiveCredential } from '../live-credentials.js';

/**
 * The users a poll tick syncs: every live credential without a live channel (polled every
 * minute, as before channels), and those with one only when their last sync is older than the
 * safety interval (a lost notification is caught there). A user with a targeted sync pending
 * is left to it. Least recently synced first.
 */
export function usersDueForPoll(safetySyncMinutes: number): (sql: Sql, now: Date) => Promise<LiveCredential[]> {
  return (sql, now) =>
    liveGoogleCredentials(
      sql,
      sql`
        not exists (select 1 from calendar_sync_requests r where r.credential_id = c.id)
        and (
          s.last_synced_at is null
          or s.last_synced_at <= ${new Date(now.getTime() - safetySyncMinutes * 60_000)}
          or not exists (select 1 from calendar_channels ch where ch.credential_id = c.id and ch.state = 'live' and ch.expires_at > ${now})
        )`,
    );
}
