import pLimit from 'p-limit';
import { planAlerts } from '@nudge/alerts';
import { GoogleClients, TokenCipher } from '@nudge/calendar';
import type { WorkerConfig } from '@nudge/config';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { liveGoogleCredentials, type LiveCredential } from '../calendar/live-credentials.js';
import {
  createProviderPolicy,
  DEFAULT_PROVIDER_POLICY,
  type ProviderPolicy,
  type ProviderPolicySettings,
} from '../calendar/provider-policy.js';
import type { BreakerGauge, OpsAlerts } from '@nudge/service';
import { runUserSync, userTimeoutPolicy, type RunUserSyncDeps } from '../calendar/run-user-sync.js';
import type { UserSyncSettings } from '../calendar/sync-user-calendar.js';

import type { JobHandler } from '../schedules/scheduled-job.js';

export const CALENDAR_SYNC_JOB = 'calendar-sync';

export interface CalendarSyncDeps extends RunUserSyncDeps {
  /** Users synced at once. */
  concurrency: number;
  /** Which users a tick polls; every live credential when undefined. */
  usersToPoll?: (sql: Sql, now: Date) => Promise<LiveCredential[]>;
}

export interface CalendarTickSummary {
  users: number;
  succeeded: number;
  failed: number;
  ms: number;
}

/**
 * One tick: every user with a live Google credential, `concurrency` at a time, each isolated.
 * The tick itself fails only when the credential list cannot be read.
 */
export async function syncAllCalendars(
  deps: CalendarSyncDeps,
  now: Date,
  signal: AbortSignal = new AbortController().signal,
): Promise<CalendarTickSummary> {
  const { logger, clock } = deps;
  const startedMs = clock.now().getTime();
  logger.info({ event: 'scheduler.tick.started', job: CALENDAR_SYNC_JOB }, 'calendar sync tick started');
  const credentials = await (deps.usersToPoll === undefined
    ? liveGoogleCredentials(deps.sql)
    : deps.usersToPoll(deps.sql, now));
  logger.info(
    { event: 'calendar.users.found', job: CALENDAR_SYNC_JOB, count: credentials.length },
    `${credentials.length} calendars to sync`,
  );
  const limit = pLimit(deps.concurrency);
  const outcomes = await Promise.all(
    credentials.map((credential) =>
      limit(() =>
        signal.aborted ? { ok: false as const, reason: 'shutdown' } : runUserSync(deps, credential, now, signal),
      ),
    ),
  );
  const succeeded = outcomes.filter((outcome) => outcome.ok).length;
  const summary: CalendarTickSummary = {
    users: credentials.length,
    succeeded,
    failed: outcomes.length - succeeded,
    ms: clock.now().getTime() - startedMs,
  };
  logger.info(
    { event: 'scheduler.tick.completed', job: CALENDAR_SYNC_JOB, ...summary },
    'calendar sync tick completed',
  );
  return summary;
}

export interface CalendarSyncOverrides {
  settings?: Partial<UserSyncSettings>;
  policy?: Partial<ProviderPolicySettings>;
  userTimeoutMs?: number;
  concurrency?: number;
}

/**
 * The sync's dependencies from the worker's configuration. Build them once: the circuit
 * breaker inside must outlive a tick to remember an outage.
 */
export function calendarSyncDeps(
  config: Pick<WorkerConfig, 'google' | 'credentialsKey' | 'calendarSync' | 'flags'>,
  base: { sql: Sql; logger: Logger; clock: Clock; ops?: OpsAlerts; breakerGauge?: BreakerGauge },
  overrides: CalendarSyncOverrides = {},
): CalendarSyncDeps {
  if (config.google === undefined || config.credentialsKey === undefined) {
    throw new Error(
      'calendar sync needs the Google settings and CREDENTIALS_ENCRYPTION_KEY (FEATURE_CALENDAR_ENABLED=true)',
    );
  }
  const { clock, ops, breakerGauge, ...rest } = base;
  const userTimeoutMs = overrides.userTimeoutMs ?? config.calendarSync.userTimeoutMs;
  const policy = createProviderPolicy(clock, { ...DEFAULT_PROVIDER_POLICY, ...overrides.policy });
  reportBreaker(policy, base.logger, ops, breakerGauge);
  return {
    ...rest,
    clock,
    clients: new GoogleClients(config.google),
    cipher: new TokenCipher([config.credentialsKey]),
    policy,
    settings: {
      horizonDays: config.calendarSync.horizonDays,
      pageSize: 250,
      fullResyncAfterMs: 24 * 3_600_000,
      requestTimeoutMs: Math.min(10_000, userTimeoutMs),
      ...overrides.settings,
    },
    userTimeout: userTimeoutPolicy(userTimeoutMs),
    concurrency: overrides.concurrency ?? config.calendarSync.concurrency,
    planMeetings: config.flags.alerts ? (tx, meetingIds, at) => planAlerts(tx, meetingIds, at) : undefined,
  };
}

/** The breaker opening and closing again: one log line each, and an operator alert while it is open. */
function reportBreaker(
  policy: ProviderPolicy,
  logger: Logger,
  ops: OpsAlerts | undefined,
  gauge: BreakerGauge | undefined,
): void {
  gauge?.closed('google');
  policy.breaker.onBreak(() => {
    gauge?.opened('google');
    logger.warn(
      { event: 'calendar.breaker.opened', provider: 'google' },
      'Google Calendar calls are failing: circuit breaker opened',
    );
    void ops?.raise('breaker.google', 'the Google Calendar circuit breaker opened: most calls to Google are failing');
  });
  policy.breaker.onReset(() => {
    gauge?.closed('google');
    logger.info(
      { event: 'calendar.breaker.closed', provider: 'google' },
      'Google Calendar answers again: circuit breaker closed',
    );
    void ops?.resolve('breaker.google');
  });
}

/** The `calendar-sync` schedule's handler: one tick at the clock's now, stopping early on shutdown. */
export function calendarSyncJob(deps: CalendarSyncDeps): JobHandler {
  return async ({ now, signal }) => ({ ...(await syncAllCalendars(deps, now(), signal)) });
}
