import type { Sql } from '@nudge/db';
import type { HttpApp } from '@nudge/service';
import { spokenCode, type Clock, type VerificationCodes } from '@nudge/domain';
import twilio from 'twilio';
import { sayAndHangUp } from './voice-twiml.js';

/** The verification call: the code read out slowly, twice, then goodbye. */
export function verificationTwiml(code: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say('Hello. This is Nudge, verifying your phone number.');
  response.pause({ length: 1 });
  response.say(`Your verification code is ${spokenCode(code)}.`);
  response.pause({ length: 1 });
  response.say(`Again, your code is ${spokenCode(code)}. Goodbye.`);
  response.hangup();
  return response.toString();
}

const verificationParams = {
  type: 'object',
  required: ['verificationId'],
  properties: { verificationId: { type: 'string', format: 'uuid' } },
} as const;

/**
 * `POST /twilio/voice/verifications/:verificationId`: the TwiML of a phone verification call.
 * Registered inside the signed Twilio routes. The code is derived from the id (never stored or
 * logged), and read out only while the verification is pending, unexpired and for the user's
 * current number.
 */
export function verificationRoutes(
  app: HttpApp,
  options: { sql: Sql; clock: Clock; codes: VerificationCodes; bodyLimit: number },
): void {
  const { sql } = options;
  app.post(
    '/twilio/voice/verifications/:verificationId',
    { bodyLimit: options.bodyLimit, schema: { params: verificationParams } },
    async (request, reply) => {
      const id = request.params.verificationId;
      const [pending] = await sql<{ phone_hash: string; phone_e164: string | null }[]>`
        select v.phone_hash, u.phone_e164 from phone_verifications v join users u on u.id = v.user_id
        where v.id = ${id} and v.verified_at is null and v.expires_at > ${options.clock.now()} and u.phone_verified_at is null`;
      reply.type('text/xml; charset=utf-8');
      if (pending?.phone_e164 == null || options.codes.phoneHash(pending.phone_e164) !== pending.phone_hash) {
        request.log.info(
          { event: 'phone.verification.call.stale', verification_id: id },
          'a verification call for a code no longer pending',
        );
        return reply.send(
          sayAndHangUp('This verification code is no longer valid. Please ask for a new one in Nudge. Goodbye.'),
        );
      }
      request.log.info(
        { event: 'phone.verification.call.answered', verification_id: id },
        'verification code read out',
      );
      return reply.send(verificationTwiml(options.codes.codeFor(id)));
    },
  );
}
