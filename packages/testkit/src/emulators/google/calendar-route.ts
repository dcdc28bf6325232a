import type { IncomingMessage, ServerResponse } from 'node:http';
import { pause, sendJson } from '../http/responses.js';
import type { Latencies } from '../http/latencies.js';
import type { RecordedRequest } from '../http/recorded-request.js';
import type { ScriptedResponses } from '../http/scripted-responses.js';
import type { CalendarEvents } from './calendar-events.js';
import { sendFailure, sendGoogleError, type CalendarFailure } from './calendar-failures.js';
import { listEvents } from './events-list.js';
import type { OAuthGrants } from './oauth-grants.js';

export const EVENTS_PATH = /^\/calendar\/v3\/calendars\/([^/]+)\/events$/;

export interface CalendarDeps {
  grants: OAuthGrants;
  calendar: CalendarEvents;
  failures: ScriptedResponses<CalendarFailure>;
  latencies: Latencies;
  now: () => number;
}

/**
 * GET /calendar/v3/calendars/{calendarId}/events for the user the bearer token belongs to;
 * the recorded request is attributed to that user before any scripted latency or hang.
 */
export async function eventsList(
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
  deps: CalendarDeps,
  signal: AbortSignal,
  recorded: RecordedRequest,
): Promise<void> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const email = bearer === undefined ? undefined : deps.grants.userOf(bearer);
  if (email === undefined) {
    sendGoogleError(res, 401, 'authError', 'Request had invalid authentication credentials.', {
      'www-authenticate': 'Bearer realm="https://accounts.google.com/"',
    });
    return;
  }
  recorded.subject = email;
  await pause(deps.latencies.get(email), signal);
  const failure = deps.failures.take(email);
  if (failure !== undefined) {
    return sendFailure(res, failure, signal);
  }
  const calendarId = decodeURIComponent(EVENTS_PATH.exec(url.pathname)?.[1] ?? '');
  if (calendarId !== 'primary' && calendarId !== email) {
    return sendGoogleError(res, 404, 'notFound', 'Not Found');
  }
  const outcome = listEvents(deps.calendar, email, url.searchParams, new Date(deps.now()));
  if (outcome.ok) sendJson(res, 200, outcome.body);
  else sendGoogleError(res, outcome.status, outcome.reason, outcome.message);
}
