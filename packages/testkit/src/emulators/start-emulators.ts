import { writeFile } from 'node:fs/promises';
import { GoogleEmulator, type GoogleEmulatorOptions } from './google/google-emulator.js';
import { PushEmulator, type PushEmulatorOptions } from './push/push-emulator.js';
import { TwilioEmulator, type TwilioEmulatorOptions } from './twilio/twilio-emulator.js';

export interface StartEmulatorsOptions {
  google?: GoogleEmulatorOptions;
  push?: PushEmulatorOptions;
  twilio?: TwilioEmulatorOptions;
  /** Where to write the push emulator's CA, so child processes can trust it via NODE_EXTRA_CA_CERTS. */
  caFile?: string;
}

export interface LocalEmulators {
  google: GoogleEmulator;
  push: PushEmulator;
  twilio: TwilioEmulator;
  /** The DESIGN §3 variables that point Nudge's roles at these emulators. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Google, Web Push and Twilio emulators side by side, for the one-command local run and benchmarks. */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<LocalEmulators> {
  const started = await Promise.allSettled([
    GoogleEmulator.start(options.google),
    PushEmulator.start(options.push),
    TwilioEmulator.start(options.twilio),
  ] as const);
  const [google, push, twilio] = started;
  const close = () =>
    Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined))).then(() => undefined);
  if (google.status === 'rejected' || push.status === 'rejected' || twilio.status === 'rejected') {
    await close();
    const failed = started.find((s) => s.status === 'rejected');
    throw new Error('an emulator failed to start', {
      cause: failed?.status === 'rejected' ? failed.reason : undefined,
    });
  }
  if (options.caFile !== undefined) await writeFile(options.caFile, push.value.caPem);
  return {
    google: google.value,
    push: push.value,
    twilio: twilio.value,
    env: emulatorEnv(google.value, push.value, twilio.value, options.caFile),
    close,
  };
}

function emulatorEnv(
  google: GoogleEmulator,
  push: PushEmulator,
  twilio: TwilioEmulator,
  caFile: string | undefined,
): Record<string, string> {
  return {
    GOOGLE_CLIENT_ID: google.client.clientId,
    GOOGLE_CLIENT_SECRET: google.client.clientSecret,
    ...google.endpointEnv(),
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_API_BASE_URL: twilio.url,
    PUSH_ENDPOINT_ALLOWED_HOSTS: push.allowedHostEntry,
    ...(caFile === undefined ? {} : { NODE_EXTRA_CA_CERTS: caFile }),
  };
}
