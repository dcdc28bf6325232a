import { currentCsrfToken, forgetToken, storedToken } from './session.js';

/** An answer other than 2xx, carrying the api's `{"error":{"code","message"}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the api says the token is no longer valid, so the app can return to sign-in. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = init.token ?? storedToken();
  const method = init.method ?? 'GET';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  else if (method !== 'GET' && currentCsrfToken() !== undefined) headers['x-csrf-token'] = currentCsrfToken()!;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!response.ok) {
    if (response.status === 401 && init.token === undefined) {
      forgetToken();
      onUnauthorized();
    }
    throw new ApiError(
      response.status,
      body.error?.code ?? 'http_error',
      body.error?.message ?? `The server answered ${response.status}.`,
    );
  }
  return body as T;
}
