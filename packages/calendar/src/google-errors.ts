/** What a failed Google call tells us, read from a gaxios error without depending on its classes. */
export interface GoogleFailure {
  /** HTTP status, or undefined when no response came back (network, timeout, abort). */
  status: number | undefined;
  /** `invalid_grant` from the token endpoint, `rateLimitExceeded` from an API, … */
  reason: string | undefined;
  /** Seconds from a Retry-After header, when the response had one. */
  retryAfterSeconds: number | undefined;
}

interface ResponseLike {
  status?: unknown;
  data?: unknown;
  headers?: unknown;
}

/** `now` reads a Retry-After given as an HTTP date. */
export function googleFailureOf(error: unknown, now: Date): GoogleFailure {
  const response = responseOf(error);
  const status = typeof response?.status === 'number' ? response.status : undefined;
  return { status, reason: reasonOf(response?.data), retryAfterSeconds: retryAfterOf(response?.headers, now) };
}

/** The refresh token is dead (revoked, expired, or the user removed the app): only a new consent helps. */
export function isInvalidGrant(error: unknown): boolean {
  return reasonOf(responseOf(error)?.data) === 'invalid_grant';
}

/** Google's rate limits: 429, or a 403 `rateLimitExceeded` / `userRateLimitExceeded` (usageLimits). */
export function isRateLimit(error: unknown, now: Date): boolean {
  const { status, reason } = googleFailureOf(error, now);
  return status === 429 || (status === 403 && (reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded'));
}

function responseOf(error: unknown): ResponseLike | undefined {
  return (error as { response?: ResponseLike } | null)?.response;
}

function reasonOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const body = data as { error?: unknown };
  // The token endpoint: {"error":"invalid_grant"}; the APIs: {"error":{"errors":[{"reason":…}]}}.
  if (typeof body.error === 'string') return body.error;
  const nested = body.error as { errors?: { reason?: unknown }[]; status?: unknown } | undefined;
  const reason = nested?.errors?.[0]?.reason ?? nested?.status;
  return typeof reason === 'string' ? reason : undefined;
}

function retryAfterOf(headers: unknown, now: Date): number | undefined {
  let value: string | null | undefined;
  // Duck-typed: a Headers from another realm (a test VM) fails instanceof.
  if (typeof (headers as Headers | null)?.get === 'function') value = (headers as Headers).get('retry-after');
  else if (typeof headers === 'object' && headers !== null)
    value = (headers as Record<string, string | undefined>)['retry-after'];
  if (value === undefined || value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  // Retry-After may also be an HTTP date.
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now.getTime()) / 1000);
}
