import {
  createQuotaMetrics,
  GoogleQuota,
  PostgresQuotaStore,
  RedisQuotaStore,
  type RequestKind,
} from '@nudge/calendar';
import type { WorkerConfig } from '@nudge/config';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import type { BreakerGauge, OpsAlerts, Redis } from '@nudge/service';
import { Gauge, type Registry } from 'prom-client';
import {
  calendarSyncDeps,
  calendarSyncJob,
  type CalendarSyncDeps,
  type CalendarSyncOverrides,
} from '../jobs/calendar-sync.js';
import type { JobHandler } from '../schedules/scheduled-job.js';
import { channelCountsByState } from './channels/channel-store.js';
import { maintainChannels, openChannel, type MaintainChannelsDeps } from './channels/maintain-channels.js';
import type { LiveCredential } from './live-credentials.js';
import { usersDueForPoll } from './channels/poll-due-credentials.js';
import { queuedSyncRequests } from './channels/sync-requests.js';
import { TargetedSyncs } from './channels/targeted-syncs.js';
import type { GatedCredential } from './sync-user-calendar.js';

export type CalendarWorkerConfig = Pick<
  WorkerConfig,
  'google' | 'credentialsKey' | 'calendarSync' | 'flags' | 'calendarChannels' | 'googleQuota' | 'process'
>;

export interface CalendarSubsystemBase {
  sql: Sql;
  logger: Logger;
  clock: Clock;
  registry?: Registry;
  redis?: Redis;
  ops?: OpsAlerts;
  breakerGauge?: BreakerGauge;
}

export interface CalendarSubsystemOverrides extends CalendarSyncOverrides {
  /** How often the targeted sync loop looks for requests without a NOTIFY. */
  fallbackPollMs?: number;
  staleClaimMs?: number;
}

/** The calendar's parts as the worker runs them: one sync deps (one breaker), one quota, three ways in. */
export interface CalendarSubsystem {
  quota: GoogleQuota;
  pollDeps: CalendarSyncDeps;
  channelDeps: MaintainChannelsDeps;
  /** The `calendar-sync` schedule: the minute poll (every user without a live channel) and the safety poll. */
  syncJob: JobHandler;
  /** The `calendar-channels` schedule. */
  channelsJob: JobHandler;
  /** Targeted syncs, started with the worker. */
  targeted: TargetedSyncs;
}

/**
 * Builds the calendar subsystem once. Every request to Google goes through `quota`, by kind:
 * targeted syncs and channel calls before safety polls. Without an https PUBLIC_BASE_URL no
 * channel is opened and every user is polled each minute, said once here.
 */
export function createCalendarSubsystem(
  config: CalendarWorkerConfig,
  base: CalendarSubsystemBase,
  overrides: CalendarSubsystemOverrides = {},
): CalendarSubsystem {
  const { calendarChannels, googleQuota } = config;
  if (calendarChannels === undefined || googleQuota === undefined)
    throw new Error('the calendar subsystem needs FEATURE_CALENDAR_ENABLED=true');
  const { sql, logger, clock, registry } = base;
  const store =
    googleQuota.store === 'redis' && base.redis !== undefined
      ? new RedisQuotaStore(base.redis)
      : new PostgresQuotaStore(sql);
  // The metrics read the quota lazily (at scrape time), after it exists.
  const metrics = registry === undefined ? undefined : createQuotaMetrics(registry, () => quota);
  const quota: GoogleQuota = new GoogleQuota({
    store,
    settings: googleQuota,
    clock,
    logger,
    ...(metrics === undefined ? {} : { metrics }),
  });
  const shared = calendarSyncDeps(
    config,
    {
      sql,
      logger,
      clock,
      ...(base.ops === undefined ? {} : { ops: base.ops }),
      ...(base.breakerGauge === undefined ? {} : { breakerGauge: base.breakerGauge }),
    },
    overrides,
  );
  const gated = quota;
  const pollDeps: CalendarSyncDeps = {
    ...shared,
    gate: (credential) => gated.gate(pollKindOf(credential), credential.user_id),
    usersToPoll: usersDueForPoll(calendarChannels.safetySyncMinutes),
  };
  const channelDeps: MaintainChannelsDeps = {
    ...shared,
    gate: (credential) => gated.gate('channel', credential.user_id),
    channels: calendarChannels,
    requestTimeoutMs: shared.settings.requestTimeoutMs,
    batchSize: 500,
  };
  const address = calendarChannels.address;
  const targeted = new TargetedSyncs({
    sql,
    clock,
    logger,
    instanceId: config.process.instanceId,
    syncDeps: { ...shared, gate: (credential) => gated.gate('targeted', credential.user_id) },
    concurrency: calendarChannels.targetedConcurrency,
    fallbackPollMs: overrides.fallbackPollMs ?? 5_000,
    staleClaimMs: overrides.staleClaimMs ?? 60_000,
    ...(registry === undefined ? {} : { registry }),
    ...(address === undefined
      ? {}
      : {
          openChannel: (credential: LiveCredential, signal: AbortSignal) =>
            openChannel(channelDeps, credential, address, signal),
        }),
  });
  if (registry !== undefined) registerCalendarGauges(registry, sql, clock);
  if (calendarChannels.address === undefined) {
    logger.info(
      { event: 'calendar.channels.disabled', reason: calendarChannels.offReason },
      `Google push channels are off: ${calendarChannels.offReason}; every connected calendar is polled each minute`,
    );
  } else {
    logger.info(
      {
        event: 'calendar.channels.enabled',
        address: calendarChannels.address,
        safety_sync_minutes: calendarChannels.safetySyncMinutes,
      },
      'Google push channels are on',
    );
  }
  return {
    quota,
    pollDeps,
    channelDeps,
    syncJob: calendarSyncJob(pollDeps),
    channelsJob: async ({ now, signal }) => ({ ...(await maintainChannels(channelDeps, now(), signal)) }),
    targeted,
  };
}

/**
 * What a poll tick's sync of this credential is for. Without a sync token (just connected, or
 * Google forgot the token) it is the user's first look at their calendar — a real change, so
 * targeted priority; only a sync from a good token is a safety poll that yields under pressure.
 */
export function pollKindOf(credential: GatedCredential): RequestKind {
  return credential.sync_token === null ? 'targeted' : 'poll';
}

function registerCalendarGauges(registry: Registry, sql: Sql, clock: Clock): void {
  new Gauge({
    name: 'nudge_calendar_channels',
    help: 'Google push channels by state (live, replaced, stopped; expired: live past its expiry)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await channelCountsByState(sql, clock.now());
      for (const state of ['live', 'replaced', 'stopped', 'expired']) this.set({ state }, counts[state] ?? 0);
    },
  });
  new Gauge({
    name: 'nudge_calendar_sync_requests_queued',
    help: 'Targeted syncs asked for by notifications and not yet done',
    registers: [registry],
    async collect() {
      this.set(await queuedSyncRequests(sql));
    },
  });
}
