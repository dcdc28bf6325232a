import type { EmulatedCall } from './emulated-call.js';

/**
 * The verification code a call read out ("…your verification code is 1, 2, 3, 4, 5, 6."), as
 * the person on the phone heard it from the TwiML's <Say>; undefined when it said none.
 */
export function verificationCodeSaid(call: EmulatedCall): string | undefined {
  return /code is ((?:\d, ){5}\d)/.exec(call.said.join(' '))?.[1]?.replaceAll(', ', '');
}
