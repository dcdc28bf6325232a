import type { Sql, TransactionSql } from '@nudge/db';
import { queueSyncRequest, wakeSyncWorkers } from './sync-requests.js';
import { TokenDecryptionError, type TokenCipher } from './token-cipher.js';

/**
 * The only writer of calendar_credentials and calendar_sync_state: the api stores and forgets
 * a user's grant, the worker's sync revokes it, refreshes its access token and keeps its place.
 */

export const PRIMARY_CALENDAR = 'primary';

/** A calendar_credentials row; the tokens are sealed by TokenCipher. */
export interface CalendarCredentialRow {
  id: string;
  user_id: string;
  provider: 'google';
  refresh_token_enc: string;
  access_token_enc: string | null;
  expires_at: Date | null;
  scopes: string[];
  revoked: boolean;
  revoked_at: Date | null;
  revoked_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A calendar_sync_state row: where the next incremental sync of a credential's calendar starts. */
export interface CalendarSyncStateRow {
  credential_id: string;
  calendar_id: string;
  sync_token: string | null;
  last_full_sync_at: Date | null;
  last_synced_at: Date | null;
}

export interface GrantedTokens {
  refreshToken: string;
  accessToken: string | undefined;
  expiresAt: Date | undefined;
  scopes: string[];
}

/**
 * Stores the user's Google tokens, encrypted, replacing any earlier credential (a reconnect,
 * possibly to another Google account): it is live again and syncs from scratch. In the same
 * transaction a sync is queued for it, so a worker syncs the calendar and opens its channel at
 * once (woken at commit) rather than at the next minute; the api itself never calls Google here.
 */
export async function saveGoogleCredential(
  sql: Sql,
  cipher: TokenCipher,
  userId: string,
  tokens: GrantedTokens,
  now: Date,
): Promise<string> {
  const refresh = cipher.encrypt(tokens.refreshToken, userId);
  const access = tokens.accessToken === undefined ? null : cipher.encrypt(tokens.accessToken, userId);
  return sql.begin(async (tx) => {
    const [row] = await tx<Pick<CalendarCredentialRow, 'id'>[]>`
      insert into calendar_credentials (user_id, provider, refresh_token_enc, access_token_enc, expires_at, scopes)
      values (${userId}, 'google', ${refresh}, ${access}, ${tokens.expiresAt ?? null}, ${tokens.scopes})
      on conflict (user_id, provider) do update set
        refresh_token_enc = excluded.refresh_token_enc, access_token_enc = excluded.access_token_enc,
        expires_at = excluded.expires_at, scopes = excluded.scopes,
        revoked = false, revoked_at = null, revoked_reason = null, updated_at = now()
      returning id`;
    // A sync token belongs to the previous grant's calendar.
    await tx`delete from calendar_sync_state where credential_id = ${row!.id}`;
    if (await queueSyncRequest(tx, row!.id, now)) await wakeSyncWorkers(tx);
    return row!.id;
  });
}

export interface ForgottenCredential {
  /** The refresh token to revoke at Google; undefined when it can no longer be decrypted. */
  refreshToken: string | undefined;
}

/** Deletes the credential (its sync state goes with it); undefined when there was none. */
export async function forgetGoogleCredential(
  sql: Sql,
  cipher: TokenCipher,
  userId: string,
): Promise<ForgottenCredential | undefined> {
  const [row] = await sql<Pick<CalendarCredentialRow, 'refresh_token_enc'>[]>`
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

/** True only for the call that revoked it: another replica (or a later tick) finds it revoked already. */
export async function revokeCredential(
  sql: Sql | TransactionSql,
  credentialId: string,
  reason: string,
  now: Date,
): Promise<boolean> {
  const rows = await sql`
    update calendar_credentials set revoked = true, revoked_at = ${now}, revoked_reason = ${reason}, updated_at = ${now}
    where id = ${credentialId} and not revoked
    returning id`;
  return rows.length === 1;
}

export async function saveAccessToken(
  sql: Sql,
  credentialId: string,
  accessTokenEnc: string,
  expiresAt: Date | null,
  now: Date,
): Promise<void> {
  await sql`
    update calendar_credentials set access_token_enc = ${accessTokenEnc}, expires_at = ${expiresAt}, updated_at = ${now}
    where id = ${credentialId}`;
}

export async function saveSyncState(
  sql: Sql | TransactionSql,
  credentialId: string,
  syncToken: string,
  fullSync: boolean,
  now: Date,
): Promise<void> {
  await sql`
    insert into calendar_sync_state (credential_id, calendar_id, sync_token, last_full_sync_at, last_synced_at)
    values (${credentialId}, ${PRIMARY_CALENDAR}, ${syncToken}, ${fullSync ? now : null}, ${now})
    on conflict (credential_id, calendar_id) do update set
      sync_token = excluded.sync_token,
      last_full_sync_at = coalesce(excluded.last_full_sync_at, calendar_sync_state.last_full_sync_at),
      last_synced_at = excluded.last_synced_at`;
}
