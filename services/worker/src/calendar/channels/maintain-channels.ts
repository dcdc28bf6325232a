import pLimit from 'p-limit';
import type { CalendarChannelsConfig } from '@nudge/config';
import type { Logger } from '@nudge/logger';
import { failureReason } from '../sync-errors.js';
import {
  clearChannelFailure,
  insertLiveChannel,
  markChannelStopped,
  recordChannelFailure,
  replaceChannel,
} from '@nudge/calendar';
import type { LiveCredential } from '../live-credentials.js';
import { channelsToClose, channelsToRenew, credentialsWithoutChannel, type OpenChannel } from './channel-store.js';
import { stopWatch, watchCalendar, type ChannelCallDeps } from './watch-calls.js';

export interface MaintainChannelsDeps extends ChannelCallDeps {
  logger: Logger;
  channels: CalendarChannelsConfig;
  /** Google calls in flight at once. */
  concurrency: number;
  /** Channels opened, renewed or closed per run at most; the rest wait for the next minute. */
  batchSize: number;
}

export interface ChannelMaintenance {
  opened: number;
  renewed: number;
  closed: number;
  failed: number;
}

/**
 * One run of the `calendar-channels` schedule: ends the channels that must end, renews those
 * close to expiry (the new channel first, then the old one stopped: never a gap), and opens a
 * channel for every live credential without one. Runs on one replica at a time (a schedule),
 * and the table's one-live-channel index settles any race that remains.
 */
export async function maintainChannels(
  deps: MaintainChannelsDeps,
  now: Date,
  signal: AbortSignal,
): Promise<ChannelMaintenance> {
  const result: ChannelMaintenance = { opened: 0, renewed: 0, closed: 0, failed: 0 };
  const address = deps.channels.address;
  const limit = pLimit(deps.concurrency);
  const { sql } = deps;

  const closing = await channelsToClose(sql, now, deps.batchSize);
  await Promise.all(
    closing.map((channel) => limit(() => closeChannel(deps, channel, now, signal).then(() => (result.closed += 1)))),
  );
  if (address === undefined) return result;

  const renewWithinMs = (deps.channels.ttlSeconds * 1000) / 4;
  const renewing = await channelsToRenew(sql, now, renewWithinMs, deps.batchSize);
  await Promise.all(
    renewing.map((old) =>
      limit(async () => {
        if (signal.aborted) return;
        try {
          const fresh = await watchCalendar(deps, old.credential, address, deps.channels.ttlSeconds, signal);
          if (!(await replaceChannel(sql, old.id, { ...fresh }))) {
            await stopWatch(deps, old.credential, fresh, signal).catch(() => undefined);
            return;
          }
          result.renewed += 1;
          await closeChannel(deps, { ...old, state: 'replaced' }, now, signal);
          deps.logger.info(
            {
              event: 'calendar.channel.renewed',
              user_id: old.user_id,
              channel_id: fresh.id,
              replaced: old.id,
              expires_at: fresh.expires_at,
            },
            'calendar channel renewed',
          );
        } catch (error) {
          // The old channel still delivers until it expires; the next run tries again.
          result.failed += 1;
          deps.logger.warn(
            {
              event: 'calendar.channel.renew_failed',
              user_id: old.user_id,
              channel_id: old.id,
              reason: failureReason(error, deps.clock.now()),
            },
            'renewing a calendar channel failed',
          );
        }
      }),
    ),
  );

  const unwatched = await credentialsWithoutChannel(sql, now, deps.batchSize);
  await Promise.all(
    unwatched.map((credential) =>
      limit(async () => {
        if (signal.aborted) return;
        const outcome = await openChannel(deps, credential, address, signal);
        if (outcome === 'opened') result.opened += 1;
        if (outcome === 'failed') result.failed += 1;
      }),
    ),
  );
  return result;
}

/**
 * Opens the credential's channel: events.watch, then the row (the one-live-channel index
 * decides a race with another replica; the loser stops its channel at Google). A failure is
 * recorded for a later retry with backoff; the user is polled meanwhile.
 */
export async function openChannel(
  deps: ChannelCallDeps & Pick<MaintainChannelsDeps, 'logger' | 'channels'>,
  credential: LiveCredential,
  address: string,
  signal: AbortSignal,
): Promise<'opened' | 'raced' | 'failed'> {
  const { sql } = deps;
  try {
    const fresh = await watchCalendar(deps, credential, address, deps.channels.ttlSeconds, signal);
    if (!(await insertLiveChannel(sql, fresh))) {
      await stopWatch(deps, credential, fresh, signal).catch(() => undefined);
      return 'raced';
    }
    await clearChannelFailure(sql, credential.id);
    deps.logger.info(
      {
        event: 'calendar.channel.opened',
        user_id: credential.user_id,
        channel_id: fresh.id,
        expires_at: fresh.expires_at,
      },
      'calendar channel opened',
    );
    return 'opened';
  } catch (error) {
    const reason = failureReason(error, deps.clock.now());
    await recordChannelFailure(sql, credential.id, `${reason}: ${(error as Error).message}`, deps.clock.now());
    deps.logger.warn(
      { event: 'calendar.channel.open_failed', user_id: credential.user_id, reason },
      `opening a calendar channel failed (${reason}); the user is polled meanwhile`,
    );
    return 'failed';
  }
}

/**
 * Ends one channel. Stopping at Google needs the credential it was made with: a revoked or
 * deleted credential cannot, and needs not — Google ends channels of a revoked grant, and the
 * notification route ignores channels that are not open.
 */
async function closeChannel(
  deps: MaintainChannelsDeps,
  channel: OpenChannel,
  now: Date,
  signal: AbortSignal,
): Promise<void> {
  const reason =
    channel.state === 'replaced'
      ? 'renewed'
      : channel.expires_at <= now
        ? 'expired'
        : channel.credential === null
          ? 'disconnected'
          : 'revoked';
  if (reason === 'renewed' && channel.credential !== null && channel.expires_at > now) {
    try {
      await stopWatch(deps, channel.credential, channel, signal);
    } catch (error) {
      // Left `replaced`: the next run stops it again; meanwhile its notifications are still honoured.
      deps.logger.warn(
        {
          event: 'calendar.channel.stop_failed',
          user_id: channel.user_id,
          channel_id: channel.id,
          reason: failureReason(error, deps.clock.now()),
        },
        'stopping a replaced calendar channel failed',
      );
      return;
    }
  } else if (reason === 'revoked' && channel.credential !== null) {
    await stopWatch(deps, channel.credential, channel, signal).catch(() => undefined);
  }
  await markChannelStopped(deps.sql, channel.id, reason, deps.clock.now());
  deps.logger.info(
    { event: 'calendar.channel.stopped', user_id: channel.user_id, channel_id: channel.id, reason },
    `calendar channel stopped (${reason})`,
  );
}
