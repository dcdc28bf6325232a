import { createHash, timingSafeEqual } from 'node:crypto';

/** The header the web app sends its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/**
 * The session's CSRF token: derived one-way from the session's secret, which scripts cannot read
 * (HttpOnly) and another site cannot learn, so only a page of this origin that asked
 * /v1/auth/session can send it. It is not derivable from the stored hash.
 */
export function csrfTokenFor(sessionSecret: string): string {
  return createHash('sha256').update(`nudge-csrf\0${sessionSecret}`).digest('base64url');
}

export function csrfTokenMatches(sessionSecret: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const expected = Buffer.from(csrfTokenFor(sessionSecret));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function changesState(method: string): boolean {
  return !SAFE_METHODS.has(method);
}
