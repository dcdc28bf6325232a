import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '@nudge/testkit';

/** test-artifacts/ is gitignored; CI keeps it as the run's artifacts. */
export const SCREENSHOT_DIR = `${REPO_ROOT}test-artifacts/browser/`;

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Every form control on the page has an accessible name (a <label>, aria-label or its text),
 * so a screen reader can say what it is. Returns the ones that do not.
 */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => {
        const control = el as HTMLInputElement;
        const named =
          (control.labels?.length ?? 0) > 0 ||
          control.getAttribute('aria-label') ||
          control.getAttribute('aria-labelledby') ||
          control.textContent?.trim();
        return !named;
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}
