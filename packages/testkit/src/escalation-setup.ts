import { TwilioEmulator } from './emulators/twilio/twilio-emulator.js';
import { freePort } from './free-port.js';
import { escalationEnv } from './role-env.js';

export interface EscalationSetup {
  /** A Twilio emulator that accepts exactly the account and token of `env`. */
  twilio: TwilioEmulator;
  /** `escalationEnv` with CALLS_PUBLIC_URL at `callsPort`, where the test starts the calls role (or nobody listens). */
  env: ReturnType<typeof escalationEnv> & { CALLS_PUBLIC_URL: string };
  callsPort: number;
  callsUrl: string;
}

/**
 * Escalation's settings and the Twilio emulator they point at: the worker places calls with
 * them (add TWILIO_API_BASE_URL: twilio.url to its environment), and Twilio calls back the
 * calls role at `callsUrl`.
 */
export async function startEscalationSetup(redisUrl: string): Promise<EscalationSetup> {
  const escalation = escalationEnv(redisUrl);
  const twilio = await TwilioEmulator.start({
    accountSid: escalation.TWILIO_ACCOUNT_SID,
    authToken: escalation.TWILIO_AUTH_TOKEN,
  });
  const callsPort = await freePort();
  const callsUrl = `http://127.0.0.1:${callsPort}`;
  return { twilio, callsPort, callsUrl, env: { ...escalation, CALLS_PUBLIC_URL: callsUrl } };
}
