import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { verificationCodeSaid, type TwilioEmulator } from '@nudge/testkit';
import { launchChromium, type ChromiumSession } from './chromium.js';
import { expectHeading as expectPageHeading, verificationCall } from './flows.js';
import { screenshot, unlabelledControls } from './screenshots.js';
import { startStack, type Stack } from './stack.js';

/**
 * A person verifies their phone number in Debian's chromium: the banner sends them to Settings,
 * Nudge calls the number through the Twilio emulator (TwiML from the calls role, signed), and
 * they type the code the call read out. Then they make and revoke an access token.
 */
describe('phone verification and access tokens in a real browser', () => {
  let twilio: TwilioEmulator;
  let stack: Stack;
  let chromium: ChromiumSession;
  let page: Page;
  let phone: string;
  const browserErrors: string[] = [];

  beforeAll(async () => {
    stack = await startStack({ escalation: true });
    twilio = stack.twilio!;
    const [user] = await stack.db.sql<
      { phone_e164: string }[]
    >`select phone_e164 from users where id = ${stack.userId}`;
    phone = user!.phone_e164;
    chromium = await launchChromium({ origin: stack.base, timezoneId: 'Europe/Berlin' });
    page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    page.on('pageerror', (error) => browserErrors.push(error.message));
  }, 90_000);
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  const expectHeading = (text: string) => expectPageHeading(page, text);
  const banner = () => page.getByRole('region', { name: 'Phone escalation paused' });
  const apiAs = (token: string, path: string) =>
    fetch(`${stack.base}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('shows a banner while the number is unverified, and verifies it with the code the call read out', async () => {
    await page.goto(`${stack.base}/app/`);
    await expectHeading('Sign in to Nudge');
    await page.getByLabel('API token').fill(stack.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading('Upcoming meetings');
    await banner().filter({ hasText: 'until you verify your phone number' }).waitFor();
    await screenshot(page, 'phone-01-unverified-banner');

    await banner().getByRole('link', { name: 'Verify it now' }).click();
    await expectHeading('Settings');
    await page.getByTestId('phone-status').filter({ hasText: 'is not verified' }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'phone-02-settings-unverified');

    const call = await verificationCall(page, twilio, phone);
    expect(call.webhooks.items.find((w) => w.kind === 'voice')?.status).toBe(200);
    const code = verificationCodeSaid(call);
    expect(code).toMatch(/^\d{6}$/);
    await screenshot(page, 'phone-03-code-sent');

    // A wrong code first: refused with the tries left, nothing verified.
    const wrong = code === '000000' ? '111111' : '000000';
    await page.getByLabel('Verification code').fill(wrong);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').filter({ hasText: '4 tries left' }).waitFor();
    await screenshot(page, 'phone-04-wrong-code');

    await page.getByLabel('Verification code').fill(`${code!.slice(0, 3)} ${code!.slice(3)}`);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('status').filter({ hasText: 'Your phone number is verified' }).waitFor();
    await page.getByTestId('phone-status').filter({ hasText: 'is verified' }).waitFor();
    expect(await banner().count()).toBe(0);
    await screenshot(page, 'phone-05-verified');
    const [row] = await stack.db.sql`select phone_verified_at from users where id = ${stack.userId}`;
    expect(row!.phone_verified_at).not.toBeNull();
  });

  it('changing the number in the page removes the verification and brings the banner back', async () => {
    await page.getByLabel(/Phone number for escalation calls/).fill('+4915199999999');
    await page.getByRole('button', { name: 'Save number' }).click();
    await page.getByTestId('phone-status').filter({ hasText: '+4915199999999 is not verified' }).waitFor();
    await banner().waitFor();
    await screenshot(page, 'phone-06-number-changed');
  });

  it('creates an access token shown once, lists it by prefix, and revokes it', async () => {
    await page.getByLabel('Name').fill('browser test');
    await page.getByLabel('Expires').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = (await page.getByTestId('new-token').textContent())!.trim();
    expect(shown).toMatch(/^nudge_/);
    expect((await apiAs(shown, '/v1/me')).status).toBe(200);
    const row = page.getByRole('row').filter({ hasText: 'browser test' });
    await row.getByText(`${shown.slice(0, 12)}…`).waitFor();
    await screenshot(page, 'tokens-01-created');

    await row.getByRole('button', { name: 'Revoke browser test' }).click();
    await page.getByRole('row').filter({ hasText: 'browser test' }).waitFor({ state: 'detached' });
    const refused = await apiAs(shown, '/v1/me');
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('token_revoked');
    await screenshot(page, 'tokens-02-revoked');
    expect(browserErrors).toEqual([]);
  });
});
