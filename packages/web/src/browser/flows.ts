import type { EmulatedCall, TwilioEmulator } from '@nudge/testkit';
import type { Page } from 'playwright-core';
import type { ChromiumSession } from './chromium.js';
import { screenshot } from './screenshots.js';

/** Steps the browser tests share: the same clicks through the same pages, with the same waits. */

/** Waits until the page's heading reads `text`: the page a click led to has rendered. */
export async function expectHeading(page: Page, text: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text }).waitFor({ timeout: 10_000 });
}

/** Opens the app signed out and signs in with the API `token`: the meetings page has rendered. */
export async function signInWithToken(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/app/`);
  await expectHeading(page, 'Sign in to Nudge');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expectHeading(page, 'Upcoming meetings');
}

/**
 * On the Calendar & devices page: "Connect Google Calendar", through the Google emulator's consent
 * tab, which says so once the calendar is connected; that tab is kept as `screenshotName` and closed.
 */
export async function connectGoogleCalendar(
  session: ChromiumSession,
  page: Page,
  screenshotName: string,
): Promise<void> {
  const [consent] = await Promise.all([
    session.context.waitForEvent('page'),
    page.getByRole('button', { name: 'Connect Google Calendar' }).click(),
  ]);
  await consent.getByText('Google Calendar connected').first().waitFor({ timeout: 10_000 });
  await screenshot(consent, screenshotName);
  await consent.close();
}

/** On the Settings page: "Send me a code", and the verification call Nudge places to `phone`, once it has finished. */
export async function verificationCall(page: Page, twilio: TwilioEmulator, phone: string): Promise<EmulatedCall> {
  await page.getByRole('button', { name: 'Send me a code' }).click();
  await page.getByText(`Nudge is calling ${phone}`).waitFor();
  const call = await twilio.calls.first(
    (c) => c.to === phone && c.url?.includes('/twilio/voice/verifications/') === true,
    10_000,
  );
  await call.finished;
  return call;
}

/** On the Members page: invites `email` and returns the invitation link the page shows once. */
export async function invite(page: Page, email: string): Promise<string> {
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Invite' }).click();
  return (await page.getByTestId('invitation-link').locator('code').textContent()) ?? '';
}
