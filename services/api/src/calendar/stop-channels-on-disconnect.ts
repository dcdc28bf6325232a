import { closeUserChannels, type GoogleClients } from '@nudge/calendar';
import type { Sql } from '@nudge/db';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Disconnect, part one: the user's open channels are closed in the table at once (their
 * notifications are refused from now on). The function returned stops them at Google with
 * the refresh token, before the grant is revoked; best effort, like the revocation.
 */
export async function stopChannelsOnDisconnect(
  deps: { sql: Sql; clients: GoogleClients; logger: FastifyBaseLogger },
  userId: string,
  now: Date,
): Promise<(refreshToken: string) => Promise<void>> {
  const channels = await closeUserChannels(deps.sql, userId, 'disconnected', now);
  return async (refreshToken) => {
    if (channels.length === 0) return;
    const auth = deps.clients.oauth();
    auth.setCredentials({ refresh_token: refreshToken });
    const api = deps.clients.calendar(auth);
    for (const channel of channels) {
      await api.channels
        .stop({ requestBody: { id: channel.id, resourceId: channel.resource_id } }, { timeout: 5_000 })
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
