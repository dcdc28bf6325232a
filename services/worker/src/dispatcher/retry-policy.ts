/** How often a push to one subscription is tried before its delivery is dead-lettered. */
export const MAX_PUSH_ATTEMPTS = 4;

export const BASE_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;
/** A Retry-After longer than this is capped: an alert is only useful before its meeting. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** When to try again after attempt `attempt` failed: the service's Retry-After, else exponential backoff with jitter. */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  baseMs = BASE_BACKOFF_MS,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  const exponential = Math.min(baseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  return Math.round(exponential * (0.5 + random() / 2));
}

/** An endpoint that timed out is left alone this long, doubling per consecutive timeout up to the maximum. */
export const QUARANTINE_BASE_MS = 30_000;
export const QUARANTINE_MAX_MS = 60 * 60_000;
