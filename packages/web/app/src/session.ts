/** The API token lives in session storage: it is gone when the tab closes, and never in a cookie the api would have to guard against CSRF. */
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
