import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalEmulators } from '../emulators/start-emulators.js';
import { verificationCodeSaid } from '../emulators/twilio/spoken-code.js';
import { createOrgWithCli } from '../create-org-cli.js';
import { DemoApi } from './demo-api.js';
import type { LocalSecretsFile } from './local-secrets.js';

export interface DemoTiming {
  /** How far ahead the demo meeting starts. */
  meetingInSeconds: number;
  /** The rule's lead: the alert is due this long before the meeting. */
  leadSeconds: number;
  /** The rule's wait for a check-in before the phone call. */
  escalateAfterSeconds: number;
}

export interface DemoSeed {
  api: DemoApi;
  token: string;
  email: string;
  phone: string;
  meetingTitle: string;
  deviceEndpoint: string;
}

const DEMO_PHONE = '+15005550006';

/** The demo user's token from an earlier run against the same database, or a new organisation. */
async function demoUser(
  base: string,
  databaseUrl: string,
  secrets: LocalSecretsFile,
): Promise<{ api: DemoApi; token: string; email: string }> {
  const stored = secrets.secrets.demo;
  if (stored !== undefined && stored.databaseUrl === databaseUrl) {
    const api = new DemoApi(base, stored.token);
    if (await api.works()) return { api, token: stored.token, email: stored.email };
  }
  const email = `demo-${randomBytes(3).toString('hex')}@nudge.local`;
  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const { token, userId } = await createOrgWithCli(databaseUrl, [
    '--org',
    'Demo',
    '--email',
    email,
    '--name',
    'Demo user',
    '--phone',
    DEMO_PHONE,
    '--timezone',
    timezone,
    '--operator',
  ]);
  secrets.secrets.demo = { databaseUrl, token, userId, email };
  await secrets.save();
  return { api: new DemoApi(base, token), token, email };
}

/** Connects the emulated Google account through the api's real OAuth routes, as a browser would. */
async function connectCalendar(api: DemoApi): Promise<void> {
  const {
    body: { url },
    cookies,
  } = await api.callWithCookies<{ url: string }>('/v1/calendar/google/connect');
  const consent = await fetch(url, { redirect: 'manual' });
  const callback = consent.headers.get('location');
  if (consent.status !== 302 || callback === null)
    throw new Error(`the emulated consent screen answered ${consent.status}`);
  // The callback is honoured only with the cookie the connect answer set, as in the browser that asked.
  const connected = await fetch(callback, { headers: { accept: 'application/json', cookie: cookies } });
  if (!connected.ok) throw new Error(`the OAuth callback answered ${connected.status}: ${await connected.text()}`);
}

/** A device: the emulated push service's subscription, registered like a browser would; earlier runs' devices are gone. */
async function subscribeDevice(api: DemoApi, emulators: LocalEmulators): Promise<string> {
  for (const old of await api.call<{ id: string; is_active: boolean }[]>('/v1/push/subscriptions')) {
    if (old.is_active) await api.call(`/v1/push/subscriptions/${old.id}`, { method: 'DELETE' });
  }
  const { public_key } = await api.call<{ public_key: string }>('/v1/push/vapid-public-key');
  const subscription = emulators.push.subscribe(public_key);
  await api.call('/v1/push/subscriptions', { method: 'POST', body: subscription });
  return subscription.endpoint;
}

/**
 * Verifies the demo user's number as a person would: asks for a code, lets the emulated phone
 * take Nudge's call, and enters the code it heard. Escalation calls only verified numbers.
 */
async function verifyPhone(api: DemoApi, emulators: LocalEmulators): Promise<void> {
  const me = await api.call<{ phone_verified_at: string | null }>('/v1/me');
  if (me.phone_verified_at !== null) return;
  const { id } = await api.call<{ id: string }>('/v1/me/phone/verifications', { method: 'POST' });
  const call = await emulators.twilio.calls.first(
    (c) => c.to === DEMO_PHONE && c.url?.endsWith(`/verifications/${id}`) === true,
    15_000,
  );
  await call.finished;
  const code = verificationCodeSaid(call);
  if (code === undefined) throw new Error(`the verification call said no code: ${JSON.stringify(call.said)}`);
  await api.call('/v1/me/phone/verifications/confirm', { method: 'POST', body: { code } });
}

/** Syncs now rather than at the next minute. The schedule's row is the worker's to create, so it may take a moment to exist. */
export async function syncNow(seed: DemoSeed): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await seed.api.call('/v1/admin/schedules/calendar-sync/run', { method: 'POST' });
      return;
    } catch (err) {
      if (attempt >= 20 || !(err as Error).message.includes('answered 404')) throw err;
      await sleep(250);
    }
  }
}

/**
 * What a newcomer would set up by hand: an organisation with a user and a verified phone number, a rule,
 * a connected (emulated) Google Calendar with a meeting a few minutes out, and a device.
 */
export async function seedDemo(options: {
  base: string;
  databaseUrl: string;
  secrets: LocalSecretsFile;
  emulators: LocalEmulators;
  timing: DemoTiming;
  /** Phone escalation is on: the demo number is verified through an emulated call first. */
  escalation: boolean;
}): Promise<DemoSeed> {
  const { emulators, timing } = options;
  const { api, token, email } = await demoUser(options.base, options.databaseUrl, options.secrets);
  // Before the escalation calls are scripted: the verification call is answered and listened to.
  if (options.escalation) await verifyPhone(api, emulators);
  await api.call('/v1/rules', {
    method: 'PUT',
    body: {
      lead_seconds: timing.leadSeconds,
      escalate_after_seconds: timing.escalateAfterSeconds,
      max_call_attempts: 2,
      call_retry_seconds: 60,
      only_accepted: false,
      min_attendees: 0,
      title_keywords: [],
      quiet_hours: null,
      enabled: true,
    },
  });

  emulators.google.approveAs(email);
  // Whole seconds, not rounded to the minute: the lead is timed from this exact start.
  const startsAt = new Date(Math.floor(Date.now() / 1000 + timing.meetingInSeconds) * 1000);
  const meetingTitle = `Demo: design review ${startsAt.toISOString().slice(11, 16)} UTC`;
  emulators.google.putEvent(email, {
    summary: meetingTitle,
    start: startsAt,
    end: new Date(startsAt.getTime() + 30 * 60_000),
    attendees: [
      { email, self: true, responseStatus: 'accepted' },
      { email: 'colleague@example.com', responseStatus: 'accepted' },
    ],
  });
  await connectCalendar(api);
  const deviceEndpoint = await subscribeDevice(api, emulators);
  // The phone answers and the person presses 1, as the escalation call asks.
  emulators.twilio.scriptCall(DEMO_PHONE, { answer: 'answered', digits: ['1'], stepDelayMs: 500 }, 10);
  return { api, token, email, phone: DEMO_PHONE, meetingTitle, deviceEndpoint };
}
