import type { CalendarCredentialRow, CalendarSyncStateRow } from '@nudge/calendar';
import type { Sql } from '@nudge/db';

export interface CalendarConnection {
  connected: boolean;
  revoked: boolean;
  revoked_reason: string | null;
  last_synced_at: Date | null;
}

export async function googleConnection(sql: Sql, userId: string): Promise<CalendarConnection> {
  const [row] = await sql<
    (Pick<CalendarCredentialRow, 'revoked' | 'revoked_reason'> & Pick<CalendarSyncStateRow, 'last_synced_at'>)[]
  >`
    select c.revoked, c.revoked_reason, s.last_synced_at
    from calendar_credentials c
    left join calendar_sync_state s on s.credential_id = c.id and s.calendar_id = 'primary'
    where c.user_id = ${userId} and c.provider = 'google'`;
  if (row === undefined) return { connected: false, revoked: false, revoked_reason: null, last_synced_at: null };
  return { connected: !row.revoked, ...row };
}
