import { timeout, TimeoutStrategy, type TimeoutPolicy } from 'cockatiel';
import { PRIMARY_CALENDAR, revokeCredential, saveSyncState } from '@nudge/calendar';
import type { TransactionSql } from '@nudge/db';
import type { Logger } from '@nudge/logger';
import { calendarWindow } from './calendar-window.js';
import type { LiveCredential } from './live-credentials.js';
import { failureReason } from './sync-errors.js';
import { emptyProgress, recordSyncRun, type SyncRun } from './sync-runs.js';
import { syncUserCalendar, type UserSyncDeps } from './sync-user-calendar.js';
import { cancelUnlisted } from './upsert-meetings.js';

/** Hands the meetings a sync changed to the alert planner, inside the transaction that completes the sync. */
export type PlanMeetings = (tx: TransactionSql, meetingIds: readonly string[], now: Date) => Promise<unknown>;

export interface RunUserSyncDeps extends UserSyncDeps {
  logger: Logger;
  /** The user's Google calls, retries included; then they are abandoned and the tick goes on. */
  userTimeout: TimeoutPolicy;
  /** undefined when alerts are off. */
  planMeetings: PlanMeetings | undefined;
}

export function userTimeoutPolicy(ms: number): TimeoutPolicy {
  // Aggressive: the tick moves on at the deadline even if a request ignores the abort.
  return timeout(ms, TimeoutStrategy.Aggressive);
}

export type UserSyncOutcome = { ok: true } | { ok: false; reason: string };

/**
 * One user's sync, isolated: whatever happens (an error, a timeout, a malformed answer) ends
 * as an outcome, a sync_runs row and one log line, never as a thrown error that could stop
 * the other users or the tick.
 */
export async function runUserSync(
  deps: RunUserSyncDeps,
  credential: LiveCredential,
  now: Date,
  tickSignal: AbortSignal,
): Promise<UserSyncOutcome> {
  const { clock, logger } = deps;
  const userId = credential.user_id;
  const run: SyncRun = {
    userId,
    startedAt: clock.now(),
    finishedAt: clock.now(),
    fromDate: calendarWindow(now, deps.settings.horizonDays).start,
    progress: emptyProgress(),
    error: null,
  };
  const { progress } = run;
  try {
    await deps.userTimeout.execute(
      ({ signal }) => syncUserCalendar(deps, credential, now, signal, progress),
      tickSignal,
    );
    await completeUserSync(deps, credential, run, now);
  } catch (error) {
    const reason = failureReason(error, clock.now());
    run.error = `${reason}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 1_000);
    await recordFailure(deps, credential, run, reason).catch((recordError: unknown) =>
      logger.error(
        { event: 'calendar.sync.record_failed', user_id: userId, err: recordError },
        'could not record a failed calendar sync',
      ),
    );
    logger.warn(
      {
        event: 'calendar.sync.failed',
        user_id: userId,
        credential_id: credential.id,
        reason,
        error: run.error,
        pages: progress.pages,
        ms: elapsed(run, clock.now()),
      },
      `calendar sync failed for user ${userId}: ${reason}`,
    );
    return { ok: false, reason };
  }
  logger.info(
    {
      event: 'calendar.sync.completed',
      user_id: userId,
      full: progress.full,
      pages: progress.pages,
      created: progress.created,
      updated: progress.updated,
      cancelled: progress.cancelled,
      skipped: progress.skipped,
      ms: elapsed(run, clock.now()),
    },
    'calendar synced',
  );
  return { ok: true };
}

/**
 * One transaction completes a run: meetings a full listing no longer has are cancelled, the
 * changed meetings are planned, the sync token advances and the run is recorded — all or
 * none, so a token never advances past changes that were not planned.
 */
async function completeUserSync(
  deps: RunUserSyncDeps,
  credential: LiveCredential,
  run: SyncRun,
  tickNow: Date,
): Promise<void> {
  const { progress } = run;
  const syncToken = progress.syncToken;
  if (syncToken === undefined) throw new Error('the listing ended without a sync token');
  await deps.sql.begin(async (tx) => {
    const now = deps.clock.now();
    if (progress.full) {
      const window = calendarWindow(tickNow, deps.settings.horizonDays);
      const gone = await cancelUnlisted(tx, credential.user_id, PRIMARY_CALENDAR, window, [...progress.listedIds]);
      progress.cancelled += gone.length;
      progress.changedIds.push(...gone);
    }
    await saveSyncState(tx, credential.id, syncToken, progress.full, now);
    if (deps.planMeetings !== undefined && progress.changedIds.length > 0)
      await deps.planMeetings(tx, progress.changedIds, now);
    run.finishedAt = deps.clock.now();
    await recordSyncRun(tx, run);
  });
}

async function recordFailure(
  deps: RunUserSyncDeps,
  credential: LiveCredential,
  run: SyncRun,
  reason: string,
): Promise<void> {
  const { sql, clock, logger } = deps;
  run.finishedAt = clock.now();
  await recordSyncRun(sql, run);
  if (reason === 'invalid_grant' && (await revokeCredential(sql, credential.id, run.error ?? reason, clock.now()))) {
    logger.warn(
      {
        event: 'calendar.credential.revoked',
        user_id: credential.user_id,
        credential_id: credential.id,
        reason: run.error,
      },
      `Google refused the refresh token of user ${credential.user_id}; the credential is revoked until they connect again`,
    );
  }
}

function elapsed(run: SyncRun, now: Date): number {
  return now.getTime() - run.startedAt.getTime();
}
