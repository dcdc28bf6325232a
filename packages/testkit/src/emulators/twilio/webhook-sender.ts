import { randomUUID } from 'node:crypto';
import type { RecordedList } from '../http/recorded-list.js';
import type { EmulatedCall, WebhookDelivery } from './emulated-call.js';
import { signTwilioWebhook } from './twilio-signature.js';

// Twilio gives up on a webhook after 15 s.
const WEBHOOK_TIMEOUT_MS = 15_000;

/** Makes Twilio's signed requests to the application and records each one. */
export class WebhookSender {
  constructor(
    private readonly authToken: string,
    private readonly signal: AbortSignal,
    private readonly everything: RecordedList<WebhookDelivery>,
  ) {}

  async send(
    call: EmulatedCall,
    kind: WebhookDelivery['kind'],
    method: 'GET' | 'POST',
    url: string,
    params: Record<string, string>,
  ): Promise<WebhookDelivery> {
    // With GET the parameters travel in the query string, and the signature covers that URL alone.
    const target = new URL(url);
    if (method === 'GET') for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
    const signedUrl = method === 'GET' ? target.href : url;
    const signature = signTwilioWebhook(signedUrl, method === 'GET' ? {} : params, this.authToken);
    const delivery: WebhookDelivery = { callSid: call.sid, kind, method, url: signedUrl, params, signature };
    try {
      const response = await fetch(signedUrl, {
        method,
        headers: {
          'x-twilio-signature': signature,
          'i-twilio-idempotency-token': randomUUID(),
          'user-agent': 'TwilioProxy/1.1',
          ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } : {}),
        },
        ...(method === 'POST' ? { body: new URLSearchParams(params).toString() } : {}),
        signal: AbortSignal.any([this.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      });
      delivery.status = response.status;
      delivery.body = await response.text();
    } catch (error) {
      if (this.signal.aborted) throw error;
      delivery.error = String(error);
    }
    call.webhooks.push(delivery);
    this.everything.push(delivery);
    return delivery;
  }
}
