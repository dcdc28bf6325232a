import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import {
  eventually,
  verificationCodeSaid,
  type PushSubscriptionJson,
  type TwilioEmulator,
  type PushEmulator,
} from '@nudge/testkit';
import { browserTestBed, BROWSER_TIME_ZONE } from './browser-test-bed.js';
import { launchChromium, watchedPage, type ChromiumSession } from './chromium.js';
import { deliverPush, subscribedDevice, usePushService, waitForNotification } from './device-push.js';
import { connectGoogleCalendar, expectHeading, invite, signInWithToken, verificationCall } from './flows.js';
import { screenshot, unlabelledControls } from './screenshots.js';

interface PushPayload {
  alert_id: string;
  title: string;
}

const COLLEAGUE = 'grace@onboarding.test';
const COLLEAGUE_NAME = 'Grace Hopper';
const COLLEAGUE_PHONE = '+4915187654321';

/**
 * The whole onboarding of issue 14, in Debian's chromium, against the api, worker and calls roles
 * as processes, with Google, Twilio and a push service emulated: the org admin (made by
 * `nudge-admin create-org`) invites a colleague from the Members page; the colleague, in their own
 * browser, signs in with Google, saves their number, sets a short escalation on the Rules page,
 * connects Google Calendar and enables notifications. A meeting in their calendar then alerts the
 * device and, unacknowledged, escalates — skipped while the number is unverified, a phone call
 * once they have typed in the code the verification call read out.
 *
 * Independent of the hour: the colleague's rule has no quiet hours (the default, checked on the
 * Rules page), so a meeting a few minutes away alerts at once whenever the test runs.
 */
describe('onboarding a colleague, from invitation to a phone call, in a real browser', () => {
  /** The admin's browser and page; the colleague has their own. */
  const bed = browserTestBed({ escalation: true, push: true }, 90_000);
  let twilio: TwilioEmulator;
  let push: PushEmulator;
  let colleague: ChromiumSession;
  let page: Page;
  let device: PushSubscriptionJson;
  let colleagueId: string;

  beforeAll(async () => {
    twilio = bed.stack.twilio!;
    push = bed.stack.push!;
    colleague = await launchChromium({ origin: bed.stack.base, timezoneId: BROWSER_TIME_ZONE });
    // The colleague's device, at the push service: subscribed with the key the api hands out.
    device = await subscribedDevice(bed.stack);
    await usePushService(colleague.context, device);
    page = await watchedPage(colleague, bed.browserErrors);
  }, 30_000);
  afterAll(async () => {
    await colleague?.close();
  });

  const banner = () => page.getByRole('region', { name: 'Phone escalation paused' });
  const explain = () =>
    `worker:\n${bed.stack.worker.output().slice(-3000)}\ncalls:\n${bed.stack.calls!.output().slice(-1500)}`;
  const callsTo = (phone: string) => twilio.calls.items.filter((call) => call.to === phone);
  const eventsOf = async (alertId: string) =>
    bed.stack.db.sql<
      { kind: string; detail: Record<string, unknown> | null }[]
    >`select kind, detail from alert_events where alert_id = ${alertId} order by at, id`;

  /**
   * A meeting a few minutes away in the colleague's Google calendar, synced on demand (as an
   * operator would start it), planned and pushed by the worker; the push reaches the device's
   * service worker, which shows it. Returns the alert's id.
   */
  async function meetingAlertsTheDevice(title: string): Promise<string> {
    const start = new Date(Date.now() + 4 * 60_000);
    bed.stack.google.putEvent(COLLEAGUE, {
      summary: title,
      start,
      end: new Date(start.getTime() + 30 * 60_000),
      attendees: [
        { email: COLLEAGUE, self: true, responseStatus: 'accepted' },
        { email: 'ada@browser.test', organizer: true, responseStatus: 'accepted' },
      ],
    });
    const sync = await fetch(`${bed.stack.base}/v1/admin/schedules/calendar-sync/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bed.stack.token}` },
    });
    expect(sync.status).toBe(202);
    const message = await push.messages
      .first((m) => m.endpoint === device.endpoint && m.json<PushPayload>().title === title, 20_000)
      .catch((err: unknown) => {
        throw new Error(`no push for ${title}: ${String(err)}\n${explain()}`);
      });
    const payload = message.json<PushPayload>();

    const cdp = await colleague.context.newCDPSession(page);
    try {
      await deliverPush(cdp, bed.stack.base, message.text);
    } finally {
      await cdp.detach();
    }
    const shown = await waitForNotification(colleague.context, payload.alert_id);
    expect(shown).toEqual({
      title: `Meeting: ${title}`,
      body: expect.stringMatching(new RegExp(`^${title} starts in [34] minutes\\.$`)),
      tag: payload.alert_id,
    });
    return payload.alert_id;
  }

  it('the admin invites the colleague from the Members page', async () => {
    // The admin signs in with the token `nudge-admin create-org` printed.
    await signInWithToken(bed.page, bed.stack.base, bed.stack.token);
    await bed.page.getByRole('link', { name: 'Members' }).click();
    await expectHeading(bed.page, 'Members');
    expect(await unlabelledControls(bed.page)).toEqual([]);
    const link = await invite(bed.page, COLLEAGUE);
    expect(link).toContain('/v1/auth/google/start?invitation=inv_');
    await screenshot(bed.page, 'onboarding-01-admin-invites');

    // The colleague opens the link in their own browser and signs in with Google (the emulator's consent).
    bed.stack.google.approveAs(COLLEAGUE, { name: COLLEAGUE_NAME });
    await page.goto(link);
    await expectHeading(page, 'Upcoming meetings');
    await page.getByText(COLLEAGUE_NAME).first().waitFor();
    expect(await page.getByRole('link', { name: 'Members' }).count()).toBe(0);
    await banner().filter({ hasText: 'Add your number' }).waitFor();
    await screenshot(page, 'onboarding-02-colleague-signed-in');
    const cookies = await colleague.context.cookies(bed.stack.base);
    expect(cookies.find((c) => c.name === 'nudge_session')).toMatchObject({ httpOnly: true });
    const [user] = await bed.stack.db.sql<
      { id: string; google_sub: string; role: string }[]
    >`select id, google_sub, role from users where email = ${COLLEAGUE}`;
    expect(user!.google_sub).toBe(bed.stack.google.account(COLLEAGUE)!.sub);
    colleagueId = user!.id;

    await bed.page.reload();
    await bed.page.getByTestId('members').getByText(COLLEAGUE).waitFor();
  });

  it('the colleague saves their number (not yet verified) and a short escalation on the Rules page', async () => {
    await banner().getByRole('link', { name: 'Add your number' }).click();
    await expectHeading(page, 'Settings');
    await page.getByLabel(/Phone number for escalation calls/).fill(COLLEAGUE_PHONE);
    await page.getByRole('button', { name: 'Save number' }).click();
    await page
      .getByTestId('phone-status')
      .filter({ hasText: `${COLLEAGUE_PHONE} is not verified` })
      .waitFor();
    await banner().filter({ hasText: 'until you verify your phone number' }).waitFor();
    await screenshot(page, 'onboarding-03-number-unverified');

    await page.getByRole('link', { name: 'Alert rules' }).click();
    await expectHeading(page, 'Alert rules');
    expect(await unlabelledControls(page)).toEqual([]);
    // No quiet hours: the default, and what makes this test pass at any hour of the day.
    expect(await page.getByLabel('No alerts during quiet hours').isChecked()).toBe(false);
    await page.getByLabel('Call me when not acknowledged this many seconds after the push').fill('30');
    await page.getByLabel('Call attempts (0: never call)').fill('1');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await screenshot(page, 'onboarding-04-rule-saved');
    const [rule] = await bed.stack.db
      .sql`select escalate_after_seconds, max_call_attempts, quiet_hours from alert_rules where user_id = ${colleagueId}`;
    expect(rule).toEqual({ escalate_after_seconds: 30, max_call_attempts: 1, quiet_hours: null });
  });

  it('the colleague connects Google Calendar in one more click and enables notifications on the device', async () => {
    await page.getByRole('link', { name: 'Calendar & devices' }).click();
    await expectHeading(page, 'Calendar & devices');
    await page.getByTestId('calendar-status').filter({ hasText: 'Not connected' }).waitFor();
    await connectGoogleCalendar(colleague, page, 'onboarding-05-calendar-consented');
    await page.getByTestId('calendar-status').filter({ hasText: 'Connected' }).waitFor({ timeout: 10_000 });
    const [credential] = await bed.stack.db.sql<
      { scopes: string[] }[]
    >`select scopes from calendar_credentials where user_id = ${colleagueId}`;
    expect(credential!.scopes).toContain('https://www.googleapis.com/auth/calendar.readonly');

    expect(await page.getByTestId('permission').textContent()).toBe('allowed');
    await page.getByRole('button', { name: 'Enable notifications on this device' }).click();
    await page.getByRole('status').filter({ hasText: 'Notifications are on' }).waitFor();
    expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL)).toBe(
      `${bed.stack.base}/app/sw.js`,
    );
    await screenshot(page, 'onboarding-06-calendar-and-device');
    const subscriptions = await bed.stack.db
      .sql`select endpoint from push_subscriptions where user_id = ${colleagueId}`;
    expect(subscriptions).toEqual([{ endpoint: device.endpoint }]);
  });

  it('while the number is unverified, an unacknowledged alert reaches the device but places no call', async () => {
    const alertId = await meetingAlertsTheDevice('Kick-off');
    await eventually(async () => (await eventsOf(alertId)).some((e) => e.kind === 'escalation_skipped'), {
      timeoutMs: 60_000,
      explain,
    });
    expect((await eventsOf(alertId)).find((e) => e.kind === 'escalation_skipped')?.detail).toMatchObject({
      reason: 'the user has not verified their phone number',
    });
    expect(callsTo(COLLEAGUE_PHONE)).toEqual([]);

    await page.goto(`${bed.stack.base}/app/alerts/${alertId}`);
    await expectHeading(page, 'Alert');
    await page.getByRole('listitem').filter({ hasText: 'escalation_skipped' }).waitFor();
    await screenshot(page, 'onboarding-07-alert-not-called-unverified');
  }, 75_000);

  it('the colleague verifies the number with the code the call read out', async () => {
    await banner().getByRole('link', { name: 'Verify it now' }).click();
    await expectHeading(page, 'Settings');
    const call = await verificationCall(page, twilio, COLLEAGUE_PHONE);
    const code = verificationCodeSaid(call);
    expect(code).toMatch(/^\d{6}$/);
    await screenshot(page, 'onboarding-08-code-called');
    await page.getByLabel('Verification code').fill(code!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page
      .getByTestId('phone-status')
      .filter({ hasText: `${COLLEAGUE_PHONE} is verified` })
      .waitFor();
    expect(await banner().count()).toBe(0);
    await screenshot(page, 'onboarding-09-number-verified');
  });

  it('after verification, an unacknowledged alert reaches the device and then phones the colleague', async () => {
    const alertId = await meetingAlertsTheDevice('Design review');
    const call = await twilio.calls
      .first((c) => c.to === COLLEAGUE_PHONE && c.url?.includes(alertId) === true, 60_000)
      .catch((err: unknown) => {
        throw new Error(`no call for the alert: ${String(err)}\n${explain()}`);
      });
    await call.finished;
    expect(call.webhooks.items.find((w) => w.kind === 'voice')?.status).toBe(200);
    expect(call.said.join(' ')).toContain('Design review');
    expect((await eventsOf(alertId)).map((e) => e.kind)).toContain('escalated');

    await page.goto(`${bed.stack.base}/app/alerts/${alertId}`);
    await expectHeading(page, 'Alert');
    await page.getByRole('listitem').filter({ hasText: 'escalated' }).first().waitFor();
    await screenshot(page, 'onboarding-10-alert-called');
  }, 75_000);

  it('raised no script errors and no content-security-policy violations in either browser', () => {
    expect(bed.browserErrors).toEqual([]);
  });
});
