import { createHmac } from 'node:crypto';

export type WebhookParams = Record<string, string | string[]>;

/**
 * The `X-Twilio-Signature` Twilio sends: HMAC-SHA1, keyed with the auth token, over the full
 * URL followed by every POST parameter name and value, sorted by name; base64. The same
 * algorithm as the twilio library's `getExpectedTwilioSignature`, so `validateRequest` accepts it.
 */
export function signTwilioWebhook(url: string, params: WebhookParams, authToken: string): string {
  const data = Object.keys(params)
    .sort()
    .reduce((signed, name) => signed + paramText(name, params[name] ?? ''), url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

function paramText(name: string, value: string | string[]): string {
  if (!Array.isArray(value)) return name + value;
  return [...new Set(value)]
    .sort()
    .map((one) => name + one)
    .join('');
}
