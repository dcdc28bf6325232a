/**
 * Two ways in: Sign in with Google gives this browser a session cookie (HttpOnly: scripts never
 * see it) and the app keeps only the session's CSRF token, in memory; an API token (from
 * `nudge-admin`) lives in session storage, gone when the tab closes.
 */
const KEY = 'nudge.token';

export function storedToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

let csrfToken: string | undefined;

/** The signed-in session's CSRF token, sent with every change (GET /v1/auth/session gives it). */
export function rememberCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export function currentCsrfToken(): string | undefined {
  return csrfToken;
}
