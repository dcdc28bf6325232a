/** The demo's calls to the api, as the demo user: plain fetch, errors with the api's message. */
export class DemoApi {
  constructor(
    readonly base: string,
    private readonly token: string,
  ) {}

  async call<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    return (await this.callWithCookies<T>(path, init)).body;
  }

  /** The answer and the cookies it set (the connect flow binds its state to the caller with one). */
  async callWithCookies<T>(
    path: string,
    init: { method?: string; body?: unknown } = {},
  ): Promise<{ body: T; cookies: string }> {
    const response = await fetch(`${this.base}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'application/json',
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    const cookies = response.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    return { body: (text === '' ? undefined : JSON.parse(text)) as T, cookies };
  }

  /** True when the token still opens /v1/me (the database may have been reset since it was stored). */
  async works(): Promise<boolean> {
    return this.call('/v1/me').then(
      () => true,
      () => false,
    );
  }
}
