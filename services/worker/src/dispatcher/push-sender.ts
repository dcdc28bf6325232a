import type { Agent } from 'node:https';
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
  | { kind: 'rejected'; status: number; reason: string };

export interface PushSenderOptions {
  vapid: VapidHeaders;
  timeoutMs: number;
  /** An HTTPS agent, e.g. one that trusts a local push service's CA. */
  agent?: Agent;
}

function retryAfterMs(headers: Record<string, string | string[] | undefined> | undefined, now: number): number | undefined {
  const raw = headers?.['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Sends one encrypted message with the real web-push client and classifies the answer. */
export async function sendPush(target: PushTarget, payload: string, message: PushMessageOptions, options: PushSenderOptions): Promise<PushOutcome> {
  try {
    // web-push encrypts and prepares the request; sendPushRequest sends it as sendNotification would, with a hard deadline.
    const request = webpush.generateRequestDetails({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, payload, {
      TTL: message.ttlSeconds,
      topic: message.topic,
      urgency: message.urgency,
      contentEncoding: 'aes128gcm',
      // Signed once per push service and re-used, rather than per message. No vapidDetails are
      // passed (and none are set globally), so web-push keeps this header as it is.
      headers: { Authorization: options.vapid.for(target.endpoint) },
    });
    const result = await sendPushRequest(request, { timeoutMs: options.timeoutMs, ...(options.agent === undefined ? {} : { agent: options.agent }) });
    return { kind: 'sent', status: result.statusCode };
  } catch (err) {
    if (err instanceof WebPushError) {
      const status = err.statusCode;
      if (status === 404 || status === 410) return { kind: 'gone', status };
      if (status === 429 || status >= 500) {
        return { kind: 'retry', status, retryAfterMs: retryAfterMs(err.headers, Date.now()), reason: `push service answered ${status}` };
      }
      return { kind: 'rejected', status, reason: `push service answered ${status}: ${String(err.body).slice(0, 200)}` };
    }
    const timedOut = err instanceof PushTimeoutError;
    return { kind: 'retry', status: null, retryAfterMs: undefined, reason: (err as Error).message, ...(timedOut ? { timedOut } : {}) };
  }
}
