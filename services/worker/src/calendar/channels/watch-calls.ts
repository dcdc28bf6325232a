import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { OAuth2Client } from 'google-auth-library';
import type { Sql } from '@nudge/db';
import { PRIMARY_CALENDAR } from '@nudge/calendar';
import type { LiveCredential } from '../live-credentials.js';
import { authorizedClient, keepRefreshedAccessToken, type UserSyncDeps } from '../sync-user-calendar.js';
import type { NewChannel } from '@nudge/calendar';

export type ChannelCallDeps = Pick<UserSyncDeps, 'sql' | 'clock' | 'clients' | 'cipher' | 'gate'> & {
  requestTimeoutMs: number;
};

export function hashChannelToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Google answered a watch without what a channel needs. */
export class WatchAnswerError extends Error {
  override readonly name = 'WatchAnswerError';
}

/**
 * events.watch on the user's primary calendar: a fresh channel id and a random token (only
 * its hash is kept), delivering to `address` for `ttlSeconds`. Returns the row to store.
 */
export async function watchCalendar(
  deps: ChannelCallDeps,
  credential: LiveCredential,
  address: string,
  ttlSeconds: number,
  signal: AbortSignal,
): Promise<NewChannel> {
  const id = randomUUID();
  const token = randomBytes(32).toString('base64url');
  const response = await withAuth(deps, credential, (api) =>
    api.events.watch(
      {
        calendarId: PRIMARY_CALENDAR,
        requestBody: { id, type: 'web_hook', address, token, params: { ttl: String(ttlSeconds) } },
      },
      { signal },
    ),
  );
  const { resourceId, expiration } = response.data;
  const expiresAt = new Date(Number(expiration));
  if (typeof resourceId !== 'string' || resourceId === '' || Number.isNaN(expiresAt.getTime())) {
    throw new WatchAnswerError('events.watch answered without a resourceId or an expiration');
  }
  return {
    id,
    user_id: credential.user_id,
    credential_id: credential.id,
    resource_id: resourceId,
    token_hash: hashChannelToken(token),
    expires_at: expiresAt,
  };
}

/** channels.stop; a 404 (Google no longer knows it) counts as stopped. */
export async function stopWatch(
  deps: ChannelCallDeps,
  credential: LiveCredential,
  channel: { id: string; resource_id: string },
  signal: AbortSignal,
): Promise<void> {
  try {
    await withAuth(deps, credential, (api) =>
      api.channels.stop({ requestBody: { id: channel.id, resourceId: channel.resource_id } }, { signal }),
    );
  } catch (error) {
    if ((error as { response?: { status?: number } }).response?.status !== 404) throw error;
  }
}

async function withAuth<T>(
  deps: ChannelCallDeps,
  credential: LiveCredential,
  call: (api: ReturnType<ChannelCallDeps['clients']['calendar']>) => Promise<T>,
): Promise<T> {
  const auth: OAuth2Client = authorizedClient(deps, credential, deps.requestTimeoutMs);
  const initial = auth.credentials.access_token;
  try {
    return await call(deps.clients.calendar(auth));
  } finally {
    await keepRefreshedAccessToken(
      deps as Pick<UserSyncDeps, 'sql' | 'cipher' | 'clock'> & { sql: Sql },
      credential,
      auth,
      initial,
    ).catch(() => undefined);
  }
}
