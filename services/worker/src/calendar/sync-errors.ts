import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { googleFailureOf, isInvalidGrant, isRateLimit, TokenDecryptionError } from '@nudge/calendar';

/** Google answered 200 with something that is not an events page (truncated JSON, wrong shape). */
export class MalformedResponseError extends Error {
  override readonly name = 'MalformedResponseError';
}

/** The user's whole sync ran past its time budget. */
export class UserSyncTimeoutError extends Error {
  override readonly name = 'UserSyncTimeoutError';
}

/**
 * A short, stable reason for a failed sync: what `calendar.sync.failed` and `sync_runs.error`
 * start with, so failures can be counted by kind.
 */
export function failureReason(error: unknown, now: Date): string {
  if (error instanceof UserSyncTimeoutError || error instanceof TaskCancelledError) return 'timeout';
  if (error instanceof BrokenCircuitError) return 'circuit_open';
  if (error instanceof MalformedResponseError) return 'malformed_response';
  if (error instanceof TokenDecryptionError) return 'token_undecryptable';
  if (isInvalidGrant(error)) return 'invalid_grant';
  const failure = googleFailureOf(error, now);
  if (failure.status === undefined) return 'network';
  if (isRateLimit(error, now)) return 'rate_limited';
  return `http_${failure.status}${failure.reason === undefined ? '' : `_${failure.reason}`}`;
}

export function statusOf(error: unknown, now: Date): number | undefined {
  return googleFailureOf(error, now).status;
}
