import {
  circuitBreaker,
  DelegateBackoff,
  handleWhen,
  retry,
  SamplingBreaker,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
  type IRetryBackoffContext,
} from 'cockatiel';
import { googleFailureOf } from '@nudge/calendar';
import type { Clock } from '@nudge/domain';
import { isRateLimit } from '@nudge/calendar';

export interface ProviderPolicySettings {
  /** Retries after the first call, for 5xx, network errors and rate limits. */
  maxRetries: number;
  /** First backoff after a 5xx; doubles per retry, jittered between half and all of it. */
  baseDelayMs: number;
  /** Longest single wait; a Retry-After asking for more is not waited for: the user fails this tick. */
  maxDelayMs: number;
  /** Share of failed Google calls over `breakerWindowMs` that opens the circuit. */
  breakerThreshold: number;
  breakerWindowMs: number;
  /** Below this many calls per second over the window the breaker never opens (a handful of users' blips). */
  breakerMinimumRps: number;
  /** An open circuit lets one trial call through after this long. */
  halfOpenAfterMs: number;
  /** In [0, 1): jitter. */
  random: () => number;
}

export const DEFAULT_PROVIDER_POLICY: ProviderPolicySettings = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  breakerThreshold: 0.5,
  breakerWindowMs: 30_000,
  breakerMinimumRps: 1,
  halfOpenAfterMs: 30_000,
  random: Math.random,
};

/** Google calls: one retry policy, wrapped around one circuit breaker shared by every user and tick. */
export interface ProviderPolicy {
  execute<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T>;
  readonly breaker: CircuitBreakerPolicy;
}

/**
 * The provider's resilience policy. Only what Google may answer differently a moment later is
 * retried (5xx, 429/403 rate limits, no answer); 401, 410, invalid_grant and malformed pages
 * are the caller's to handle. The breaker counts the same failures: when Google is down,
 * every user fails fast instead of each one retrying into the outage.
 */
export function createProviderPolicy(
  clock: Clock,
  settings: ProviderPolicySettings = DEFAULT_PROVIDER_POLICY,
): ProviderPolicy {
  const transient = (error: unknown) => isTransient(error, clock.now());
  const breaker = circuitBreaker(handleWhen(transient), {
    halfOpenAfter: settings.halfOpenAfterMs,
    breaker: new SamplingBreaker({
      threshold: settings.breakerThreshold,
      duration: settings.breakerWindowMs,
      minimumRps: settings.breakerMinimumRps,
    }),
  });
  const retryable = (error: unknown) => transient(error) && waitFor(error, 1, clock.now(), settings) !== undefined;
  const retries = retry(handleWhen(retryable), {
    maxAttempts: settings.maxRetries,
    backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) =>
      'error' in context.result
        ? (waitFor(context.result.error, context.attempt, clock.now(), settings) ?? settings.maxDelayMs)
        : settings.baseDelayMs,
    ),
  }).dangerouslyUnref();
  const policy: IPolicy = wrap(retries, breaker);
  return {
    breaker,
    execute: (fn, signal) => policy.execute(() => fn(), signal),
  };
}

/** No answer at all (a reset, a request timeout — but not our own abort), a 5xx, or a rate limit. */
function isTransient(error: unknown, now: Date): boolean {
  if (!(error instanceof Error) || (error as { code?: unknown }).code === 'AbortError') return false;
  const { status } = googleFailureOf(error, now);
  // gaxios errors carry the request `config`; anything else thrown is a bug of ours, not Google's.
  if (status === undefined) return 'config' in error;
  return status >= 500 || isRateLimit(error, now);
}

/**
 * How long to wait before retry `attempt`: Retry-After when Google gave one (plus a little
 * jitter so throttled users do not return in lockstep), else exponential backoff with full
 * jitter. undefined: the wait asked for is longer than we are willing to wait.
 */
function waitFor(error: unknown, attempt: number, now: Date, settings: ProviderPolicySettings): number | undefined {
  const { retryAfterSeconds } = googleFailureOf(error, now);
  if (retryAfterSeconds !== undefined) {
    const ms = retryAfterSeconds * 1000 + settings.random() * Math.min(1_000, settings.baseDelayMs);
    return ms > settings.maxDelayMs ? undefined : ms;
  }
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + settings.random() * (ceiling / 2);
}
