import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium, installed by .ci/run (`apt-get install -y chromium`); never a downloaded browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A browser with a real (temporary) profile: an incognito context has no Push API at all in
 * Chrome. A missing browser fails the browser tests loudly, never skips them.
 */
export async function launchChromium(options: {
  origin: string;
  timezoneId: string;
  javaScriptEnabled?: boolean;
}): Promise<ChromiumSession> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: the browser tests need Debian's chromium (apt-get install -y chromium; .ci/run installs it)`,
    );
  }
  const profile = await mkdtemp(`${tmpdir()}/nudge-chromium-`);
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      args: ARGS,
      headless: true,
      timeout: 30_000,
      viewport: { width: 1100, height: 800 },
      locale: 'en-GB',
      timezoneId: options.timezoneId,
      permissions: ['notifications'],
      javaScriptEnabled: options.javaScriptEnabled ?? true,
    });
    return {
      context,
      close: async () => {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The session's page, with every script error and CSP violation collected into `errors`: they are
 * failures, not noise. HTTP error statuses are the flows' business (each asserts what it expects);
 * chromium logs each as a console error, so those are left out.
 */
export async function watchedPage(session: ChromiumSession, errors: string[]): Promise<Page> {
  const page = session.context.pages()[0] ?? (await session.context.newPage());
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(message.text());
  });
  return page;
}
