import type { FastifyRequest } from 'fastify';
import { forbidden } from '@nudge/service';
import twilio from 'twilio';

/**
 * A preValidation hook that lets through only requests Twilio signed. The URL checked is the one Twilio
 * was given, CALLS_PUBLIC_URL plus the path and query, never one rebuilt from the Host header
 * (which a client controls and a proxy rewrites).
 */
export function twilioSignatureCheck(callsPublicUrl: string, authToken: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const signature = request.headers['x-twilio-signature'];
    const params = (request.body ?? {}) as Record<string, unknown>;
    if (
      typeof signature !== 'string' ||
      signature === '' ||
      !twilio.validateRequest(authToken, signature, `${callsPublicUrl}${request.url}`, params)
    ) {
      request.log.warn(
        { event: 'twilio.signature.rejected', route: request.routeOptions.url },
        'a Twilio webhook without a valid signature was refused',
      );
      throw forbidden('the X-Twilio-Signature header is missing or does not match this request');
    }
  };
}
