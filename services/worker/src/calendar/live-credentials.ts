import type { Sql, TransactionSql } from '@nudge/db';

/** A credential the sync works from, with its calendar's sync state. */
export interface LiveCredential {
  id: string;
  user_id: string;
  refresh_token_enc: string;
  access_token_enc: string | null;
  expires_at: Date | null;
  sync_token: string | null;
  last_full_sync_at: Date | null;
}

export const PRIMARY_CALENDAR = 'primary';

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
    order by s.last_synced_at nulls first, c.id`;
}

/** True only for the call that revoked it: another replica (or a later tick) finds it revoked already. */
export async function revokeCredential(sql: Sql | TransactionSql, credentialId: string, reason: string, now: Date): Promise<boolean> {
  const rows = await sql`
    update calendar_credentials set revoked = true, revoked_at = ${now}, revoked_reason = ${reason}, updated_at = ${now}
    where id = ${credentialId} and not revoked
    returning id`;
  return rows.length === 1;
}

export async function saveAccessToken(sql: Sql, credentialId: string, accessTokenEnc: string, expiresAt: Date | null, now: Date): Promise<void> {
  await sql`
    update calendar_credentials set access_token_enc = ${accessTokenEnc}, expires_at = ${expiresAt}, updated_at = ${now}
    where id = ${credentialId}`;
}

export async function saveSyncState(sql: Sql | TransactionSql, credentialId: string, syncToken: string, fullSync: boolean, now: Date): Promise<void> {
  await sql`
    insert into calendar_sync_state (credential_id, calendar_id, sync_token, last_full_sync_at, last_synced_at)
    values (${credentialId}, ${PRIMARY_CALENDAR}, ${syncToken}, ${fullSync ? now : null}, ${now})
    on conflict (credential_id, calendar_id) do update set
      sync_token = excluded.sync_token,
      last_full_sync_at = coalesce(excluded.last_full_sync_at, calendar_sync_state.last_full_sync_at),
      last_synced_at = excluded.last_synced_at`;
}
