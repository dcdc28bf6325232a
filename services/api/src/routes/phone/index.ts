import type { Sql } from '@nudge/db';
import { normalizeEnteredCode, type Clock, type VerificationCodes } from '@nudge/domain';
import { badRequest, HttpError, notFound, type HttpApp } from '@nudge/service';
import {
  confirmVerification,
  recordDelivery,
  startVerification,
  type Channel,
} from '../../phone/phone-verifications.js';
import { VerificationNotSentError, type VerificationSender } from '../../phone/verification-sender.js';
import { callerOf } from '../../plugins/auth.js';
import { restrictTo } from '../audience.js';
import { closedObject, column, errorResponses, userSchema } from '../schemas.js';

export interface PhoneRoutesOptions {
  sql: Sql;
  clock: Clock;
  verification: { codes: VerificationCodes; sender: VerificationSender; channel: Channel };
}

const verificationSchema = closedObject({
  id: column.uuid,
  phone_e164: column.text,
  channel: {
    type: 'string',
    enum: ['call', 'sms'],
    description: 'call: Nudge phones the number and reads the code; sms: a text carries it',
  },
  expires_at: { ...column.dateTime, description: 'the code may be entered until then (10 minutes)' },
});

const confirmBody = closedObject({
  code: {
    type: 'string',
    minLength: 1,
    maxLength: 20,
    description: 'the 6-digit code; spaces and dashes are ignored',
  },
});

/**
 * Verifying the caller's phone number: Nudge sends a 6-digit code to the number (a call or a
 * text) and the person enters it within 10 minutes. Only a verified number is called.
 * Registered only with escalation on, when there is a reason and a way to call.
 */
export async function phoneRoutes(app: HttpApp, options: PhoneRoutesOptions): Promise<void> {
  const { sql, clock, verification } = options;
  restrictTo(app, 'callers');

  app.post(
    '/v1/me/phone/verifications',
    { schema: { response: { 201: verificationSchema, ...errorResponses } } },
    async (request, reply) => {
      const caller = callerOf(request);
      const outcome = await startVerification(sql, verification.codes, {
        userId: caller.userId,
        channel: verification.channel,
        now: clock.now(),
      });
      if (outcome.kind === 'no_phone')
        throw new HttpError(409, 'no_phone_number', 'set a phone number first (PATCH /v1/me with phone_e164)');
      if (outcome.kind === 'already_verified')
        throw new HttpError(409, 'phone_already_verified', 'this phone number is verified already');
      if (outcome.kind === 'rate_limited') {
        request.log.info(
          { event: 'phone.verification.rate_limited', user_id: caller.userId, scope: outcome.scope },
          'verification code refused: hourly limit',
        );
        void reply.header('retry-after', String(outcome.retryAfterSeconds));
        throw new HttpError(
          429,
          'verification_rate_limited',
          outcome.scope === 'user'
            ? `at most 5 codes an hour; try again in ${Math.ceil(outcome.retryAfterSeconds / 60)} minutes`
            : `this number has had 5 codes in the last hour; try again in ${Math.ceil(outcome.retryAfterSeconds / 60)} minutes`,
          { scope: outcome.scope, retry_after_seconds: outcome.retryAfterSeconds },
        );
      }
      const pending = outcome.verification;
      const ids = { user_id: caller.userId, verification_id: pending.id, channel: pending.channel };
      try {
        const sid = await verification.sender.send(pending);
        await recordDelivery(sql, pending.id, { providerRef: sid });
        request.log.info({ event: 'phone.verification.sent', ...ids, provider_ref: sid }, 'verification code sent');
      } catch (error) {
        if (!(error instanceof VerificationNotSentError)) throw error;
        await recordDelivery(sql, pending.id, { failedReason: error.message });
        request.log.warn(
          {
            event: 'phone.verification.not_sent',
            ...ids,
            rejected: error.rejected,
            twilio_status: error.status,
            twilio_code: error.twilioCode,
          },
          error.message,
        );
        throw error.rejected
          ? badRequest(`this number cannot be reached: ${error.message}; check it and save it again`, [
              { path: 'phone_e164', message: 'not reachable' },
            ])
          : new HttpError(503, 'verification_not_sent', 'the code could not be sent just now; try again in a minute');
      }
      return reply.status(201).send(pending);
    },
  );

  app.post(
    '/v1/me/phone/verifications/confirm',
    { schema: { body: confirmBody, response: { 200: userSchema, ...errorResponses } } },
    async (request) => {
      const caller = callerOf(request);
      const code = normalizeEnteredCode(request.body.code);
      if (code === undefined)
        throw badRequest('the code is the 6 digits Nudge sent', [{ path: 'body/code', message: 'must be 6 digits' }]);
      const outcome = await confirmVerification(sql, verification.codes, {
        userId: caller.userId,
        code,
        now: clock.now(),
      });
      const ids = { user_id: caller.userId };
      switch (outcome.kind) {
        case 'verified':
          request.log.info({ event: 'phone.verification.verified', ...ids }, 'phone number verified');
          return outcome.user;
        case 'none_pending':
          throw notFound('pending verification');
        case 'expired':
          throw new HttpError(410, 'code_expired', 'this code has expired; ask for a new one');
        case 'too_many_wrong':
          throw new HttpError(429, 'too_many_wrong_codes', 'too many wrong codes; ask for a new one');
        case 'wrong':
          request.log.info(
            { event: 'phone.verification.wrong_code', ...ids, remaining: outcome.remaining },
            'a wrong verification code was entered',
          );
          throw new HttpError(
            400,
            'wrong_code',
            outcome.remaining > 0
              ? `that is not the code; ${outcome.remaining} tries left`
              : 'that is not the code, and it was the last try; ask for a new one',
            { remaining: outcome.remaining },
          );
      }
    },
  );
}
