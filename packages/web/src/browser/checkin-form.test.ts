import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { planAlerts } from '@nudge/alerts';
import {
  eventually,
  insertMeeting,
  type PushEmulator,
  type PushSubscriptionJson,
  type TwilioEmulator,
} from '@nudge/testkit';
import { launchChromium } from './chromium.js';
import { subscribedDevice } from './device-push.js';
import { operatorPhone } from './operator-phone.js';
import { screenshot } from './screenshots.js';
import { startStack, type Stack } from './stack.js';

interface PushPayload {
  alert_id: string;
  title: string;
  checkin_url: string;
}

/**
 * The check-in link of a real push, opened in Debian's chromium and checked in by pressing the
 * page's own button — with JavaScript off (the page must not need it) and on. The api, worker
 * and calls role run as processes with escalation on against the Twilio emulator, under the
 * api's real security headers (CSP form-action included).
 */
describe('the check-in page of a pushed alert, in a real browser', () => {
  let push: PushEmulator;
  let twilio: TwilioEmulator;
  let stack: Stack;
  let device: PushSubscriptionJson;
  let phone: string;

  beforeAll(async () => {
    stack = await startStack({ escalation: true, push: true, phoneVerified: true });
    twilio = stack.twilio!;
    push = stack.push!;
    phone = await operatorPhone(stack);
    // The device as the browser's push service would hold it.
    device = await subscribedDevice(stack);
    await stack.db
      .sql`insert into push_subscriptions (user_id, endpoint, p256dh, auth) values (${stack.userId}, ${device.endpoint}, ${device.keys.p256dh}, ${device.keys.auth})`;
  }, 90_000);
  afterAll(async () => {
    await stack?.close();
  });

  const stateOf = async (alertId: string) =>
    (
      await stack.db.sql<{ state: string; acknowledged_via: string | null; acknowledged_at: Date | null }[]>`
      select state, acknowledged_via, acknowledged_at from alerts where id = ${alertId}`
    )[0];
  const callsFor = (alertId: string) =>
    twilio.calls.items.filter((call) => call.to === phone && call.url?.includes(alertId) === true);
  const explain = () => `worker:\n${stack.worker.output().slice(-3000)}\ncalls:\n${stack.calls!.output().slice(-2000)}`;

  /**
   * A meeting a few minutes away, planned and pushed by the real worker; returns the push as the
   * device decrypted it. Escalation is brought forward to `escalateInMs` from now (the rule's
   * minimum is 30 s): the check-in must beat it.
   */
  async function pushedAlert(title: string, escalateInMs: number): Promise<{ payload: PushPayload; escalateAt: Date }> {
    const meetingId = await insertMeeting(stack.db.sql, stack.userId, {
      title,
      startsAt: new Date(Date.now() + 3 * 60_000),
    });
    await planAlerts(stack.db.sql, [meetingId], new Date());
    const message = await push.messages.first(
      (m) => m.endpoint === device.endpoint && m.json<PushPayload>().title === title,
      20_000,
    );
    const payload = message.json<PushPayload>();
    const [moved] = await stack.db.sql<{ escalate_at: Date | null }[]>`
      update alerts set escalate_at = now() + ${escalateInMs / 1000} * interval '1 second' where id = ${payload.alert_id} and escalate_at is not null
      returning escalate_at`;
    if (moved?.escalate_at == null) throw new Error(`the alert was not planned to escalate:\n${explain()}`);
    return { payload, escalateAt: moved.escalate_at };
  }

  /** Script errors and CSP violations (chromium reports a refused form-action on the console). */
  function watchConsole(page: Page): string[] {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
    });
    return errors;
  }

  async function checkInFromTheBrowser(options: { javaScriptEnabled: boolean; title: string; shot: string }) {
    const { payload, escalateAt } = await pushedAlert(options.title, 15_000);
    expect(payload.checkin_url.startsWith(`${stack.base}/checkin/`)).toBe(true);
    const chromium = await launchChromium({
      origin: stack.base,
      timezoneId: 'Europe/Berlin',
      javaScriptEnabled: options.javaScriptEnabled,
    });
    try {
      const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
      const errors = watchConsole(page);
      const opened = await page.goto(payload.checkin_url);
      expect(opened?.status()).toBe(200);
      await page.getByRole('heading', { level: 1, name: options.title }).waitFor();
      expect((await stateOf(payload.alert_id))?.state).toBe('notified');
      await screenshot(page, `${options.shot}-open`);

      const [posted] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: "I'm on it" }).click(),
      ]);
      expect(posted.status()).toBe(200);
      expect(posted.url()).toBe(payload.checkin_url);
      await page.getByRole('heading', { level: 1, name: `You checked in for ${options.title}` }).waitFor();
      await screenshot(page, `${options.shot}-checked-in`);
      expect(errors).toEqual([]);
    } finally {
      await chromium.close();
    }

    const acknowledged = await stateOf(payload.alert_id);
    expect(acknowledged).toMatchObject({ state: 'acknowledged', acknowledged_via: 'push' });
    expect(acknowledged!.acknowledged_at!.getTime()).toBeLessThan(escalateAt.getTime());
    // Past the moment it would have rung (the first test shows that it does ring): no call.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, escalateAt.getTime() - Date.now()) + 2_000));
    expect(callsFor(payload.alert_id)).toEqual([]);
    expect((await stateOf(payload.alert_id))?.state).toBe('acknowledged');
  }

  it('opening the link without pressing the button changes nothing: the alert still escalates to a call', async () => {
    const { payload } = await pushedAlert('Looked at only', 4_000);
    twilio.scriptCall(phone, { answer: 'no-answer' });
    const chromium = await launchChromium({
      origin: stack.base,
      timezoneId: 'Europe/Berlin',
      javaScriptEnabled: false,
    });
    try {
      const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
      await page.goto(payload.checkin_url);
      await page.getByRole('button', { name: "I'm on it" }).waitFor();
    } finally {
      await chromium.close();
    }
    await eventually(() => callsFor(payload.alert_id).length === 1, { timeoutMs: 20_000, explain });
    expect((await stateOf(payload.alert_id))?.acknowledged_via).toBeNull();
  }, 60_000);

  it('with JavaScript off, pressing “I’m on it” checks in before escalation, and no call is placed', async () => {
    await checkInFromTheBrowser({ javaScriptEnabled: false, title: 'Quarterly review', shot: '20-checkin-no-js' });
  }, 60_000);

  it('with JavaScript on, pressing “I’m on it” checks in before escalation, and no call is placed', async () => {
    await checkInFromTheBrowser({ javaScriptEnabled: true, title: 'Hiring sync', shot: '21-checkin-js' });
  }, 60_000);
});
