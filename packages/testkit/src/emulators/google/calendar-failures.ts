import type { ServerResponse } from 'node:http';
import { pause, sendJson, sendText } from '../http/responses.js';

/** What the Calendar API can be scripted to do instead of answering. */
export type CalendarFailure =
  | { kind: 'status'; status: number; reason?: string; retryAfterSeconds?: number }
  | { kind: 'malformed-json' }
  | { kind: 'hang' };

const DEFAULT_REASONS: Record<number, string> = {
  401: 'authError',
  403: 'rateLimitExceeded',
  404: 'notFound',
  429: 'rateLimitExceeded',
  500: 'backendError',
  503: 'backendError',
};

/** The JSON error body Google APIs answer with. */
export function googleErrorBody(status: number, reason: string, message: string): object {
  return { error: { code: status, message, errors: [{ domain: 'global', reason, message }] } };
}

export function sendGoogleError(
  res: ServerResponse,
  status: number,
  reason: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, googleErrorBody(status, reason, message), headers);
}

export async function sendFailure(res: ServerResponse, failure: CalendarFailure, signal: AbortSignal): Promise<void> {
  switch (failure.kind) {
    case 'status': {
      const reason = failure.reason ?? DEFAULT_REASONS[failure.status] ?? 'backendError';
      const headers: Record<string, string> =
        failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
      return sendGoogleError(res, failure.status, reason, reason, headers);
    }
    case 'malformed-json':
      // A 200 that claims to be JSON but is cut off: what a truncating proxy produces.
      return sendText(res, 200, '{"kind":"calendar#events","items":[{"id":', {
        'content-type': 'application/json; charset=utf-8',
      });
    case 'hang':
      // Never answers; the server's close() ends the request.
      return pause(Infinity, signal);
  }
}
