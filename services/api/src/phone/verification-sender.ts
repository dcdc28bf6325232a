import type { PhoneVerificationConfig } from '@nudge/config';
import type { VerificationCodes } from '@nudge/domain';
import type { Channel } from './phone-verifications.js';

/** Delivers a verification's code to its number; resolves with Twilio's sid. */
export interface VerificationSender {
  send(verification: { id: string; phone_e164: string; channel: Channel }): Promise<string>;
}

/**
 * Twilio refused or could not be reached. The message says which with Twilio's status and error
 * code only: Twilio's own text may quote the number, and this one is logged and stored.
 */
export class VerificationNotSentError extends Error {
  override readonly name = 'VerificationNotSentError';
  /** A 4xx from Twilio: the number itself is the problem (unreachable, not a phone). */
  readonly rejected: boolean;

  constructor(
    readonly channel: 'call' | 'sms',
    readonly status: number | undefined,
    readonly twilioCode: number | undefined,
  ) {
    const rejected = status !== undefined && status >= 400 && status < 500 && status !== 429;
    super(
      `Twilio ${rejected ? 'refused' : 'did not take'} the ${channel === 'sms' ? 'message' : 'call'} (${status === undefined ? 'no answer' : `HTTP ${status}`}${twilioCode === undefined ? '' : `, error ${twilioCode}`})`,
    );
    this.rejected = rejected;
  }
}

const TWILIO_TIMEOUT_MS = 10_000;

/**
 * Sends codes through the twilio library: a call whose TwiML the calls role serves (it derives
 * the code from the verification id, so the URL carries no code), or a text message.
 */
export async function twilioVerificationSender(
  config: PhoneVerificationConfig,
  codes: VerificationCodes,
): Promise<VerificationSender> {
  // Loaded only with escalation on, like every other use of the twilio library.
  const { createTwilioClient } = await import('@nudge/service/twilio');
  const client = createTwilioClient(config.twilio, TWILIO_TIMEOUT_MS);
  return {
    async send(verification) {
      try {
        if (verification.channel === 'sms') {
          const message = await client.messages.create({
            to: verification.phone_e164,
            from: config.twilio.fromNumber,
            body: `Your Nudge verification code is ${codes.codeFor(verification.id)}. It expires in 10 minutes. If you did not ask for it, ignore this message.`,
          });
          return message.sid;
        }
        const call = await client.calls.create({
          to: verification.phone_e164,
          from: config.twilio.fromNumber,
          url: `${config.callsPublicUrl}/twilio/voice/verifications/${verification.id}`,
          method: 'POST',
          timeout: 30,
        });
        return call.sid;
      } catch (error) {
        const { status, code } = error as { status?: unknown; code?: unknown };
        throw new VerificationNotSentError(
          verification.channel,
          typeof status === 'number' ? status : undefined,
          typeof code === 'number' ? code : undefined,
        );
      }
    },
  };
}
