/**
 * A browser as far as cookies and redirects go, for API tests of browser flows: it keeps the
 * api's cookies (as Set-Cookie set them) and sends them back to the api only, follows redirects
 * between the api and the Google emulator, and stops when a redirect leaves both (or reaches
 * the web app). URLs under the api's PUBLIC_BASE_URL are sent to where the api under test listens.
 */
export class CookieBrowser {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly apiBase: string,
    private readonly publicBaseUrl = 'http://127.0.0.1:3000',
  ) {}

  private toApi(url: string): string {
    return url.startsWith(this.publicBaseUrl) ? this.apiBase + url.slice(this.publicBaseUrl.length) : url;
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** One request; cookies go to the api only. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const target = this.toApi(url);
    const headers = new Headers(init.headers);
    if (target.startsWith(this.apiBase) && this.cookies.size > 0) headers.set('cookie', this.cookieHeader());
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    if (target.startsWith(this.apiBase)) this.remember(response);
    return response;
  }

  /** Navigates, following redirects through the emulator and back, until a page (or the web app). */
  async navigate(url: string): Promise<{ response: Response; url: string; text: string }> {
    let current = url;
    for (let hop = 0; hop < 10; hop += 1) {
      const response = await this.fetch(current, { headers: { accept: 'text/html' } });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        const next = new URL(location, this.toApi(current)).href;
        if (new URL(next).pathname.startsWith('/app/')) return { response, url: next, text: await response.text() };
        current = next;
        continue;
      }
      return { response, url: current, text: await response.text() };
    }
    throw new Error('too many redirects');
  }
}
