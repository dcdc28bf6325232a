import { closeUserChannels, type GoogleClients, type GoogleQuota } from '@nudge/calendar';
import type { Sql } from '@nudge/db';
import type { FastifyBaseLogger } from 'fastify';

const STOP_WAIT_MS = 10_000;

/**
 * Disconnect, part one: the user's open channels are closed in the table at once (their
 * notifications are refused from now on). The function returned stops them at Google with
 * the refresh token, before the grant is revoked; best effort, like the revocation. Every
 * request (the token refresh and each channels.stop) waits for a slot in the deployment's
 * Google quota, as the workers' do.
 */
export async function stopChannelsOnDisconnect(
  deps: { sql: Sql; clients: GoogleClients; quota: GoogleQuota; logger: FastifyBaseLogger },
  userId: string,
  now: Date,
): Promise<(refreshToken: string) => Promise<void>> {
  const channels = await closeUserChannels(deps.sql, userId, 'disconnected', now);
  return async (refreshToken) => {
    if (channels.length === 0) return;
    const auth = deps.clients.oauth({ gate: deps.quota.gate('channel', userId), requestTimeoutMs: 5_000 });
    auth.setCredentials({ refresh_token: refreshToken });
    const api = deps.clients.calendar(auth);
    for (const channel of channels) {
      await api.channels
        // The signal also bounds the wait for a quota slot (Google may have asked every replica to pause).
        .stop(
          { requestBody: { id: channel.id, resourceId: channel.resource_id } },
          { signal: AbortSignal.timeout(STOP_WAIT_MS) },
        )
        .catch((error: unknown) =>
          deps.logger.warn(
            { event: 'calendar.channel.stop_failed', user_id: userId, channel_id: channel.id, err: error },
            'stopping a calendar channel at Google failed; it is closed here anyway',
          ),
        );
    }
    deps.logger.info(
      { event: 'calendar.channels.stopped', user_id: userId, count: channels.length },
      'calendar channels stopped on disconnect',
    );
  };
}
