import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { forbidden } from '@nudge/service';

/**
 * Twilio's webhook bodies are a few dozen short form fields (about 1–3 KB); anything much
 * bigger is not Twilio, and is refused with 413 from its Content-Length before it is read.
 */
export const WEBHOOK_BODY_LIMIT_BYTES = 8 * 1024;

/**
 * What runs before a webhook's body is read, so that a flood costs no parsing, no HMAC and no
 * database work: a per-address rate limit (@fastify/rate-limit, in memory: the calls role has no
 * Redis), then a 403 for a request with no signature at all. The signature itself is checked
 * once the (small) body is parsed.
 */
export async function webhookGuards(app: FastifyInstance, options: { perAddressPerMinute: number }): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    timeWindow: 60_000,
    max: options.perAddressPerMinute,
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`), {
        statusCode: 429,
      }),
  });
  app.addHook('onRequest', app.rateLimit());
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const signature = request.headers['x-twilio-signature'];
    if (typeof signature !== 'string' || signature === '') {
      request.log.warn(
        { event: 'twilio.signature.rejected', route: request.routeOptions.url, reason: 'missing' },
        'a Twilio webhook without a signature was refused',
      );
      throw forbidden('the X-Twilio-Signature header is missing or does not match this request');
    }
  });
}
