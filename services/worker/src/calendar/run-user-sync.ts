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

/** A user's calendar read and applied to `meetings`, waiting to be completed (planned, token saved, recorded). */
export interface FetchedSync {
  credential: LiveCredential;
  run: SyncRun;
  /** The tick's now: the full listing's window is computed from it. */
  now: Date;
}

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
  const fetched = await fetchUserSync(deps, credential, now, tickSignal);
  if (!('run' in fetched)) return fetched;
  return (await completeUserSyncs(deps, [fetched]))[0]!;
}

/**
 * The first half of a sync: Google's pages read and applied to `meetings`. A failure is
 * recorded and logged here (the outcome); a success waits for `completeUserSyncs`.
 */
export async function fetchUserSync(
  deps: RunUserSyncDeps,
  credential: LiveCredential,
  now: Date,
  tickSignal: AbortSignal,
): Promise<FetchedSync | { ok: false; reason: string }> {
  const { clock } = deps;
  const run: SyncRun = {
    userId: credential.user_id,
    startedAt: clock.now(),
    finishedAt: clock.now(),
    fromDate: calendarWindow(now, deps.settings.horizonDays).start,
    progress: emptyProgress(),
    error: null,
  };
  try {
    await deps.userTimeout.execute(
      ({ signal }) => syncUserCalendar(deps, credential, now, signal, run.progress),
      tickSignal,
    );
    if (run.progress.syncToken === undefined) throw new Error('the listing ended without a sync token');
    return { credential, run, now };
  } catch (error) {
    return failed(deps, credential, run, error);
  }
}

/**
 * The second half, for one user or many at once: one transaction cancels what full listings
 * no longer have, plans every changed meeting, advances each sync token and records each run
 * — all or none, so a token never advances past changes that were not planned. `alsoInside`
 * adds the caller's own statements (a targeted sync's request). A batch that fails is
 * completed user by user, so one user's failure never undoes another's sync.
 */
export async function completeUserSyncs(
  deps: RunUserSyncDeps,
  fetched: readonly FetchedSync[],
  alsoInside?: (tx: TransactionSql, completed: readonly FetchedSync[]) => Promise<void>,
): Promise<UserSyncOutcome[]> {
  if (fetched.length === 0) return [];
  try {
    await completeInOneTransaction(deps, fetched, alsoInside);
  } catch (error) {
    if (fetched.length > 1) {
      const outcomes: UserSyncOutcome[] = [];
      for (const one of fetched) outcomes.push(...(await completeUserSyncs(deps, [one], alsoInside)));
      return outcomes;
    }
    return [await failed(deps, fetched[0]!.credential, fetched[0]!.run, error)];
  }
  for (const { run } of fetched) logCompleted(deps, run);
  return fetched.map(() => ({ ok: true }));
}

/** Statements issued together on the transaction's connection are pipelined: a batch costs a few round trips, not a few per user. */
async function completeInOneTransaction(
  deps: RunUserSyncDeps,
  fetched: readonly FetchedSync[],
  alsoInside: ((tx: TransactionSql, completed: readonly FetchedSync[]) => Promise<void>) | undefined,
): Promise<void> {
  await deps.sql.begin(async (tx) => {
    await Promise.all(
      fetched
        .filter(({ run }) => run.progress.full)
        .map(async ({ credential, run, now }) => {
          const window = calendarWindow(now, deps.settings.horizonDays);
          const listed = [...run.progress.listedIds];
          const gone = await cancelUnlisted(tx, credential.user_id, PRIMARY_CALENDAR, window, listed);
          run.progress.cancelled += gone.length;
          run.progress.changedIds.push(...gone);
        }),
    );
    const now = deps.clock.now();
    const changed = fetched.flatMap(({ run }) => run.progress.changedIds);
    await Promise.all([
      ...fetched.map(({ credential, run }) =>
        saveSyncState(tx, credential.id, run.progress.syncToken!, run.progress.full, now),
      ),
      deps.planMeetings !== undefined && changed.length > 0 ? deps.planMeetings(tx, changed, now) : undefined,
    ]);
    for (const { run } of fetched) run.finishedAt = deps.clock.now();
    await Promise.all([...fetched.map(({ run }) => recordSyncRun(tx, run)), alsoInside?.(tx, fetched)]);
  });
}

function logCompleted(deps: RunUserSyncDeps, run: SyncRun): void {
  const { progress } = run;
  deps.logger.info(
    {
      event: 'calendar.sync.completed',
      user_id: run.userId,
      full: progress.full,
      pages: progress.pages,
      created: progress.created,
      updated: progress.updated,
      cancelled: progress.cancelled,
      skipped: progress.skipped,
      ms: elapsed(run, deps.clock.now()),
    },
    'calendar synced',
  );
}

async function failed(
  deps: RunUserSyncDeps,
  credential: LiveCredential,
  run: SyncRun,
  error: unknown,
): Promise<{ ok: false; reason: string }> {
  const { clock, logger } = deps;
  const userId = credential.user_id;
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
      pages: run.progress.pages,
      ms: elapsed(run, clock.now()),
    },
    `calendar sync failed for user ${userId}: ${reason}`,
  );
  return { ok: false, reason };
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
