import { beforeAll, describe, expect, it } from '@jest/globals';
import { verificationCodeSaid } from '@nudge/testkit';
import { browserTestBed } from './browser-test-bed.js';
import { expectHeading as expectPageHeading, signInWithToken, verificationCall } from './flows.js';
import { operatorPhone } from './operator-phone.js';
import { screenshot, unlabelledControls } from './screenshots.js';

/**
 * A person verifies their phone number in Debian's chromium: the banner sends them to Settings,
 * Nudge calls the number through the Twilio emulator (TwiML from the calls role, signed), and
 * they type the code the call read out. Then they make and revoke an access token.
 */
describe('phone verification and access tokens in a real browser', () => {
  const bed = browserTestBed({ escalation: true }, 90_000);
  const twilio = () => bed.stack.twilio!;
  let phone: string;

  beforeAll(async () => {
    phone = await operatorPhone(bed.stack);
  });

  const expectHeading = (text: string) => expectPageHeading(bed.page, text);
  const banner = () => bed.page.getByRole('region', { name: 'Phone escalation paused' });
  const apiAs = (token: string, path: string) =>
    fetch(`${bed.stack.base}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('shows a banner while the number is unverified, and verifies it with the code the call read out', async () => {
    await signInWithToken(bed.page, bed.stack.base, bed.stack.token);
    await banner().filter({ hasText: 'until you verify your phone number' }).waitFor();
    await screenshot(bed.page, 'phone-01-unverified-banner');

    await banner().getByRole('link', { name: 'Verify it now' }).click();
    await expectHeading('Settings');
    await bed.page.getByTestId('phone-status').filter({ hasText: 'is not verified' }).waitFor();
    expect(await unlabelledControls(bed.page)).toEqual([]);
    await screenshot(bed.page, 'phone-02-settings-unverified');

    const call = await verificationCall(bed.page, twilio(), phone);
    expect(call.webhooks.items.find((w) => w.kind === 'voice')?.status).toBe(200);
    const code = verificationCodeSaid(call);
    expect(code).toMatch(/^\d{6}$/);
    await screenshot(bed.page, 'phone-03-code-sent');

    // A wrong code first: refused with the tries left, nothing verified.
    const wrong = code === '000000' ? '111111' : '000000';
    await bed.page.getByLabel('Verification code').fill(wrong);
    await bed.page.getByRole('button', { name: 'Verify' }).click();
    await bed.page.getByRole('alert').filter({ hasText: '4 tries left' }).waitFor();
    await screenshot(bed.page, 'phone-04-wrong-code');

    await bed.page.getByLabel('Verification code').fill(`${code!.slice(0, 3)} ${code!.slice(3)}`);
    await bed.page.getByRole('button', { name: 'Verify' }).click();
    await bed.page.getByRole('status').filter({ hasText: 'Your phone number is verified' }).waitFor();
    await bed.page.getByTestId('phone-status').filter({ hasText: 'is verified' }).waitFor();
    expect(await banner().count()).toBe(0);
    await screenshot(bed.page, 'phone-05-verified');
    const [row] = await bed.stack.db.sql`select phone_verified_at from users where id = ${bed.stack.userId}`;
    expect(row!.phone_verified_at).not.toBeNull();
  });

  it('changing the number in the page removes the verification and brings the banner back', async () => {
    await bed.page.getByLabel(/Phone number for escalation calls/).fill('+4915199999999');
    await bed.page.getByRole('button', { name: 'Save number' }).click();
    await bed.page.getByTestId('phone-status').filter({ hasText: '+4915199999999 is not verified' }).waitFor();
    await banner().waitFor();
    await screenshot(bed.page, 'phone-06-number-changed');
  });

  it('creates an access token shown once, lists it by prefix, and revokes it', async () => {
    await bed.page.getByLabel('Name').fill('browser test');
    await bed.page.getByLabel('Expires').selectOption('30');
    await bed.page.getByRole('button', { name: 'Create token' }).click();
    const shown = (await bed.page.getByTestId('new-token').textContent())!.trim();
    expect(shown).toMatch(/^nudge_/);
    expect((await apiAs(shown, '/v1/me')).status).toBe(200);
    const row = bed.page.getByRole('row').filter({ hasText: 'browser test' });
    await row.getByText(`${shown.slice(0, 12)}…`).waitFor();
    await screenshot(bed.page, 'tokens-01-created');

    await row.getByRole('button', { name: 'Revoke browser test' }).click();
    await bed.page.getByRole('row').filter({ hasText: 'browser test' }).waitFor({ state: 'detached' });
    const refused = await apiAs(shown, '/v1/me');
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('token_revoked');
    await screenshot(bed.page, 'tokens-02-revoked');
    expect(bed.browserErrors).toEqual([]);
  });
});
