import { useFixture } from '@nudge/testkit/jest';
import type { Page } from 'playwright-core';
import { launchChromium, watchedPage, type ChromiumSession } from './chromium.js';
import { startStack, type Stack, type StackOptions } from './stack.js';

/** The time zone the stack's operator lives in, and so the browser's. */
export const BROWSER_TIME_ZONE = 'Europe/Berlin';

export interface BrowserTestBed {
  readonly stack: Stack;
  /** Debian's chromium against the stack, in the operator's time zone. */
  readonly chromium: ChromiumSession;
  /** The browser's page, watched: its script errors and CSP violations are in `browserErrors`. */
  readonly page: Page;
  /** Empty at the end of a file that passes; each file says so in its last test. */
  readonly browserErrors: string[];
}

/**
 * For a browser test file: the stack and one browser against it, like a person's session,
 * started before its tests (within `timeoutMs`) and closed after them. Hooks the file registers
 * after this one run once it has started. Only browser tests import it: it registers jest hooks.
 */
export function browserTestBed(options: StackOptions = {}, timeoutMs = 60_000): BrowserTestBed {
  const browserErrors: string[] = [];
  return useFixture(
    async () => {
      const stack = await startStack(options);
      try {
        const chromium = await launchChromium({ origin: stack.base, timezoneId: BROWSER_TIME_ZONE });
        return { stack, chromium, page: await watchedPage(chromium, browserErrors), browserErrors };
      } catch (err) {
        await stack.close();
        throw err;
      }
    },
    async (bed) => {
      await bed.chromium.close();
      await bed.stack.close();
    },
    timeoutMs,
  );
}
