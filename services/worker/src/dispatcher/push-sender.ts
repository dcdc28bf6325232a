import { PushEndpointRefusedError, type PushEndpointPolicy } from '@nudge/service';
import webpush, { WebPushError } from 'web-push';
import { PushTimeoutError, sendPushRequest } from './push-request.js';
import type { VapidHeaders } from './vapid-headers.js';

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface PushMessageOptions {
  ttlSeconds: number;
  /** Replaces an undelivered message with the same topic: at most 32 URL-safe characters. */
  topic: string;
  urgency: 'very-low' | 'low' | 'normal' | 'high';
}

/** What a push service's answer means for the delivery. */
export type PushOutcome =
  | { kind: 'sent'; status: number }
  /** 404/410: the subscription is gone for good; expected, not an error. */
  | { kind: 'gone'; status: number }
  /** 429, 5xx, timeouts, network errors: worth another try later. A timed-out endpoint is quarantined. */
  | { kind: 'retry'; status: number | null; retryAfterMs: number | undefined; reason: string; timedOut?: boolean }
  /** Any other 4xx: retrying cannot help (payload too large, bad VAPID, bad request). */
  | { kind: 'rejected'; status: number; reason: string }
  /** The push endpoint policy refused the endpoint or an address its host resolved to: never contacted. */
  | { kind: 'refused'; status: null; reason: string };

export interface PushSenderOptions {
  vapid: VapidHeaders;
  timeoutMs: number;
  /** Where pushes may go; its agents connect only to addresses it has checked. */
  policy: PushEndpointPolicy;
}

function retryAfterMs(
  headers: Record<string, string | string[] | undefined> | undefined,
  now: number,
): number | undefined {
  const raw = headers?.['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Sends one encrypted message with the real web-push client and classifies the answer. */
export async function sendPush(
  target: PushTarget,
  payload: string,
  message: PushMessageOptions,
  options: PushSenderOptions,
): Promise<PushOutcome> {
  // Checked again on every send: the row may predate the policy, or the operator narrowed it.
  const verdict = options.policy.checkForm(target.endpoint);
  if (!verdict.allowed) return { kind: 'refused', status: null, reason: verdict.reason };
  try {
    // web-push encrypts and prepares the request; sendPushRequest sends it as sendNotification would, with a hard deadline.
    // The URL as parsed by the policy, so that web-push's own parser cannot read another host from it.
    const request = webpush.generateRequestDetails(
      { endpoint: verdict.url.href, keys: { p256dh: target.p256dh, auth: target.auth } },
      payload,
      {
        TTL: message.ttlSeconds,
        topic: message.topic,
        urgency: message.urgency,
        contentEncoding: 'aes128gcm',
        // Signed once per push service and re-used, rather than per message. No vapidDetails are
        // passed (and none are set globally), so web-push keeps this header as it is.
        headers: { Authorization: options.vapid.for(verdict.url.href) },
      },
    );
    // Resolves the host once per connection and connects only to the addresses it checked.
    const result = await sendPushRequest(request, {
      timeoutMs: options.timeoutMs,
      agent: options.policy.agentFor(verdict),
    });
    return { kind: 'sent', status: result.statusCode };
  } catch (err) {
    if (err instanceof PushEndpointRefusedError) return { kind: 'refused', status: null, reason: err.message };
    if (err instanceof WebPushError) {
      const status = err.statusCode;
      if (status === 404 || status === 410) return { kind: 'gone', status };
      if (status === 429 || status >= 500) {
        return {
          kind: 'retry',
          status,
          retryAfterMs: retryAfterMs(err.headers, Date.now()),
          reason: `push service answered ${status}`,
        };
      }
      return { kind: 'rejected', status, reason: `push service answered ${status}: ${String(err.body).slice(0, 200)}` };
    }
    const timedOut = err instanceof PushTimeoutError;
    return {
      kind: 'retry',
      status: null,
      retryAfterMs: undefined,
      reason: (err as Error).message,
      ...(timedOut ? { timedOut } : {}),
    };
  }
}
