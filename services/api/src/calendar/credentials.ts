import { TokenDecryptionError, type TokenCipher } from '@nudge/calendar';
import type { Sql } from '@nudge/db';

export interface GrantedTokens {
  refreshToken: string;
  accessToken: string | undefined;
  expiresAt: Date | undefined;
  scopes: string[];
}

/**
 * Stores the user's Google tokens, encrypted, replacing any earlier credential (a reconnect,
 * possibly to another Google account): it is live again and syncs from scratch.
 */
export async function saveGoogleCredential(sql: Sql, cipher: TokenCipher, userId: string, tokens: GrantedTokens): Promise<void> {
  const refresh = cipher.encrypt(tokens.refreshToken, userId);
  const access = tokens.accessToken === undefined ? null : cipher.encrypt(tokens.accessToken, userId);
  await sql.begin(async (tx) => {
    const [row] = await tx<{ id: string }[]>`
      insert into calendar_credentials (user_id, provider, refresh_token_enc, access_token_enc, expires_at, scopes)
      values (${userId}, 'google', ${refresh}, ${access}, ${tokens.expiresAt ?? null}, ${tokens.scopes})
      on conflict (user_id, provider) do update set
        refresh_token_enc = excluded.refresh_token_enc, access_token_enc = excluded.access_token_enc,
        expires_at = excluded.expires_at, scopes = excluded.scopes,
        revoked = false, revoked_at = null, revoked_reason = null, updated_at = now()
      returning id`;
    // A sync token belongs to the previous grant's calendar.
    await tx`delete from calendar_sync_state where credential_id = ${row!.id}`;
  });
}

export interface CalendarConnection {
  connected: boolean;
  revoked: boolean;
  revoked_reason: string | null;
  last_synced_at: Date | null;
}

export async function googleConnection(sql: Sql, userId: string): Promise<CalendarConnection> {
  const [row] = await sql<{ revoked: boolean; revoked_reason: string | null; last_synced_at: Date | null }[]>`
    select c.revoked, c.revoked_reason, s.last_synced_at
    from calendar_credentials c
    left join calendar_sync_state s on s.credential_id = c.id and s.calendar_id = 'primary'
    where c.user_id = ${userId} and c.provider = 'google'`;
  if (row === undefined) return { connected: false, revoked: false, revoked_reason: null, last_synced_at: null };
  return { connected: !row.revoked, ...row };
}

export interface ForgottenCredential {
  /** The refresh token to revoke at Google; undefined when it can no longer be decrypted. */
  refreshToken: string | undefined;
}

/** Deletes the credential (its sync state goes with it); undefined when there was none. */
export async function forgetGoogleCredential(sql: Sql, cipher: TokenCipher, userId: string): Promise<ForgottenCredential | undefined> {
  const [row] = await sql<{ refresh_token_enc: string }[]>`
    delete from calendar_credentials where user_id = ${userId} and provider = 'google' returning refresh_token_enc`;
  if (row === undefined) return undefined;
  try {
    return { refreshToken: cipher.decrypt(row.refresh_token_enc, userId) };
  } catch (error) {
    // Sealed with a key no longer configured: forgetting still succeeds, revoking cannot.
    if (error instanceof TokenDecryptionError) return { refreshToken: undefined };
    throw error;
  }
}
