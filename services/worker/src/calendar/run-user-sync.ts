import { timeout, TimeoutStrategy, type TimeoutPolicy } from 'cockatiel';
import type { Logger } from '@nudge/logger';
import { calendarWindow } from './calendar-window.js';
import { revokeCredential, type LiveCredential } from './live-credentials.js';
import { failureReason } from './sync-errors.js';
import { emptyProgress, finishSyncRun, startSyncRun } from './sync-runs.js';
import { syncUserCalendar, type UserSyncDeps } from './sync-user-calendar.js';

export interface RunUserSyncDeps extends UserSyncDeps {
  logger: Logger;
  /** The user's whole sync, Google calls and retries included; then it is abandoned and the tick goes on. */
  userTimeout: TimeoutPolicy;
  /** Hands the meetings a sync changed to the alert planner; undefined when alerts are off. */
  planMeetings: ((meetingIds: readonly string[], now: Date) => Promise<unknown>) | undefined;
}

export function userTimeoutPolicy(ms: number): TimeoutPolicy {
  // Aggressive: the tick moves on at the deadline even if a request ignores the abort.
  return timeout(ms, TimeoutStrategy.Aggressive);
}

export type UserSyncOutcome = { ok: true } | { ok: false; reason: string };

/**
 * One user's sync, isolated: whatever happens (an error, a timeout, a malformed answer) ends
 * as an outcome, a finished sync_runs row and one log line, never as a thrown error that
 * could stop the other users or the tick.
 */
export async function runUserSync(deps: RunUserSyncDeps, credential: LiveCredential, now: Date, tickSignal: AbortSignal): Promise<UserSyncOutcome> {
  const { sql, clock, logger } = deps;
  const userId = credential.user_id;
  const startedAt = clock.now();
  const progress = emptyProgress();
  let runId: string | undefined;
  try {
    runId = await startSyncRun(sql, userId, startedAt, calendarWindow(now, deps.settings.horizonDays).start);
    await deps.userTimeout.execute(({ signal }) => syncUserCalendar(deps, credential, now, signal, progress), tickSignal);
    if (deps.planMeetings !== undefined && progress.changedIds.length > 0) await deps.planMeetings(progress.changedIds, clock.now());
  } catch (error) {
    const reason = failureReason(error, clock.now());
    const detail = `${reason}: ${(error as Error).message ?? String(error)}`.slice(0, 1_000);
    await recordFailure(deps, credential, runId, progress, reason, detail).catch((recordError: unknown) =>
      logger.error({ event: 'calendar.sync.record_failed', user_id: userId, err: recordError }, 'could not record a failed calendar sync'),
    );
    logger.warn(
      { event: 'calendar.sync.failed', user_id: userId, credential_id: credential.id, reason, error: detail, pages: progress.pages, ms: clock.now().getTime() - startedAt.getTime() },
      `calendar sync failed for user ${userId}: ${reason}`,
    );
    return { ok: false, reason };
  }
  await finishSyncRun(sql, runId, progress, null, clock.now()).catch((error: unknown) =>
    logger.error({ event: 'calendar.sync.record_failed', user_id: userId, err: error }, 'could not record a finished calendar sync'),
  );
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
      ms: clock.now().getTime() - startedAt.getTime(),
    },
    'calendar synced',
  );
  return { ok: true };
}

async function recordFailure(deps: RunUserSyncDeps, credential: LiveCredential, runId: string | undefined, progress: ReturnType<typeof emptyProgress>, reason: string, detail: string): Promise<void> {
  const { sql, clock, logger } = deps;
  if (runId !== undefined) await finishSyncRun(sql, runId, progress, detail, clock.now());
  if (reason === 'invalid_grant' && (await revokeCredential(sql, credential.id, detail, clock.now()))) {
    logger.warn(
      { event: 'calendar.credential.revoked', user_id: credential.user_id, credential_id: credential.id, reason: detail },
      `Google refused the refresh token of user ${credential.user_id}; the credential is revoked until they connect again`,
    );
  }
}
