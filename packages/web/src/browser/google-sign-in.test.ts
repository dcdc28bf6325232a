import { describe, expect, it } from '@jest/globals';
import { createOrgWithCli } from '@nudge/testkit';
import { browserTestBed, BROWSER_TIME_ZONE } from './browser-test-bed.js';
import { launchChromium } from './chromium.js';
import { connectGoogleCalendar, expectHeading as expectPageHeading, invite } from './flows.js';
import { screenshot, unlabelledControls } from './screenshots.js';

/**
 * Sign in with Google in Debian's chromium, through the Google emulator's consent screen, against
 * the api and worker as real processes: the person lands in the app with a session cookie, can
 * connect the calendar in one more click, sees their sessions and signs out everywhere.
 */
describe('Sign in with Google in a real browser', () => {
  const bed = browserTestBed();
  const EMAIL = 'ada@browser.test';

  const expectHeading = (text: string) => expectPageHeading(bed.page, text);

  it('signs in with Google and lands in the app, with an HttpOnly session cookie and no token in the page', async () => {
    bed.stack.google.approveAs(EMAIL, { name: 'Ada Lovelace' });
    await bed.page.goto(`${bed.stack.base}/app/`);
    await expectHeading('Sign in to Nudge');
    expect(await unlabelledControls(bed.page)).toEqual([]);
    await screenshot(bed.page, 'sign-in-01-page');

    await bed.page.getByRole('link', { name: 'Sign in with Google' }).click();
    await expectHeading('Upcoming meetings');
    await screenshot(bed.page, 'sign-in-02-landed');

    const cookies = await bed.chromium.context.cookies(bed.stack.base);
    const session = cookies.find((c) => c.name === 'nudge_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookies.some((c) => c.name === 'nudge_sign_in')).toBe(false);
    expect(await bed.page.evaluate(() => document.cookie)).not.toContain('nudge_session');
    expect(await bed.page.evaluate(() => sessionStorage.getItem('nudge.token'))).toBeNull();
    const [user] = await bed.stack.db.sql<
      { google_sub: string }[]
    >`select google_sub from users where id = ${bed.stack.userId}`;
    expect(user!.google_sub).toBe(bed.stack.google.account(EMAIL)!.sub);
  });

  it('refuses an attacker’s connect link opened in the signed-in person’s browser, linking nothing', async () => {
    // The attacker, another organisation's user with an API token, makes a consent URL for themselves.
    const attacker = await createOrgWithCli(bed.stack.db.url, [
      '--org',
      'Attackers',
      '--email',
      'mallory@attack.test',
      '--name',
      'Mallory',
    ]);
    const connect = await fetch(`${bed.stack.base}/v1/calendar/google/connect`, {
      headers: { authorization: `Bearer ${attacker.token}` },
    });
    const { url } = (await connect.json()) as { url: string };

    // The victim opens it and Google (the emulator) consents as the victim.
    bed.stack.google.approveAs(EMAIL);
    await bed.page.goto(url);
    await bed.page
      .getByRole('heading', { level: 1, name: 'Google Calendar was not connected' })
      .waitFor({ timeout: 10_000 });
    await bed.page.getByText('not started in this browser').waitFor();
    await screenshot(bed.page, 'sign-in-03-attack-refused');
    expect(await bed.stack.db.sql`select user_id from calendar_credentials`).toEqual([]);
    await bed.page.goto(`${bed.stack.base}/app/`);
    await expectHeading('Upcoming meetings');
  });

  it('connects the calendar in one more click, as the signed-in person', async () => {
    await bed.page.getByRole('link', { name: 'Calendar & devices' }).click();
    await expectHeading('Calendar & devices');
    await connectGoogleCalendar(bed.chromium, bed.page, 'sign-in-03b-calendar-connected');
    const [credential] = await bed.stack.db.sql<
      { scopes: string[] }[]
    >`select scopes from calendar_credentials where user_id = ${bed.stack.userId}`;
    expect(credential!.scopes).toEqual(
      expect.arrayContaining(['openid', 'https://www.googleapis.com/auth/calendar.readonly']),
    );
  });

  it('an admin invites a colleague, who accepts by signing in with Google, and is deactivated from the members page', async () => {
    const COLLEAGUE = 'grace@browser.test';
    bed.stack.google.addUser(COLLEAGUE, { name: 'Grace Hopper' });
    await bed.page.getByRole('link', { name: 'Members' }).click();
    await expectHeading('Members');
    expect(await unlabelledControls(bed.page)).toEqual([]);
    const link = await invite(bed.page, COLLEAGUE);
    expect(link).toContain('/v1/auth/google/start?invitation=inv_');
    await screenshot(bed.page, 'sign-in-04-invited');

    // The colleague's own browser.
    const theirs = await launchChromium({ origin: bed.stack.base, timezoneId: BROWSER_TIME_ZONE });
    try {
      const colleague = theirs.context.pages()[0] ?? (await theirs.context.newPage());
      await colleague.goto(link);
      await colleague.getByRole('heading', { level: 1, name: 'Upcoming meetings' }).waitFor({ timeout: 10_000 });
      await colleague.getByText('Grace Hopper').first().waitFor();
      await screenshot(colleague, 'sign-in-05-colleague-landed');
      expect(await colleague.getByRole('link', { name: 'Members' }).count()).toBe(0);

      // The link worked once.
      await colleague.goto(link);
      await colleague.getByText('already used').waitFor();

      await bed.page.reload();
      await expectHeading('Members');
      bed.page.once('dialog', (dialog) => void dialog.accept());
      await bed.page.getByRole('button', { name: 'Deactivate Grace Hopper' }).click();
      await bed.page.getByTestId('members').getByText('Deactivated').waitFor();
      await screenshot(bed.page, 'sign-in-06-member-deactivated');

      // At once: the colleague's next request finds the session gone, and the app returns to sign-in.
      await colleague.goto(`${bed.stack.base}/app/`);
      await colleague.getByRole('heading', { level: 1, name: 'Sign in to Nudge' }).waitFor({ timeout: 10_000 });
    } finally {
      await theirs.close();
    }
  });

  it('lists the sessions and signs out everywhere, back to the sign-in page', async () => {
    await bed.page.getByRole('link', { name: 'Sessions' }).click();
    await expectHeading('Your sessions');
    await bed.page.getByTestId('sessions').getByText('(this browser)').waitFor();
    await screenshot(bed.page, 'sign-in-07-sessions');
    await bed.page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expectHeading('Sign in to Nudge');
    await screenshot(bed.page, 'sign-in-08-signed-out');
    expect(await bed.stack.db.sql`select id from sessions where user_id = ${bed.stack.userId}`).toEqual([]);
    expect(bed.browserErrors).toEqual([]);
  });
});
