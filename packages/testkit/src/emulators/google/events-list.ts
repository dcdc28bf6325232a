import { decodeBase64urlJson, encodeBase64urlJson } from '../http/base64url-json.js';
import type { CalendarEvent, CalendarEvents } from './calendar-events.js';

export interface EventsListBody {
  kind: 'calendar#events';
  summary: string;
  timeZone: 'UTC';
  accessRole: 'owner';
  updated: string;
  items: (CalendarEvent | { id: string; status: 'cancelled' })[];
  nextPageToken?: string;
  nextSyncToken?: string;
}

export type ListOutcome =
  | { ok: true; body: EventsListBody }
  | { ok: false; status: 400 | 410; reason: 'invalid' | 'fullSyncRequired'; message: string };

interface PageCursor {
  /** Offset of the next page in the ordered result. */
  o: number;
  /** The change counter when the listing began: the next sync token starts there. */
  s: number;
  /** For an incremental listing, the counter of the sync token it started from. */
  i: number | null;
}

const DEFAULT_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 2500;
// Google refuses these next to a sync token: the token already implies the original query.
const NOT_WITH_SYNC_TOKEN = ['timeMin', 'timeMax', 'orderBy', 'q', 'updatedMin', 'iCalUID'];

/** `events.list` on a user's calendar, with Google's paging and incremental-sync rules. */
export function listEvents(calendar: CalendarEvents, email: string, params: URLSearchParams, now: Date): ListOutcome {
  const pageSize = Number(params.get('maxResults') ?? DEFAULT_PAGE_SIZE);
  if (!Number.isInteger(pageSize) || pageSize < 1) return invalid('Invalid value for maxResults');
  const timeMin = optionalTime(params.get('timeMin'));
  const timeMax = optionalTime(params.get('timeMax'));
  if (timeMin === null || timeMax === null)
    return invalid('Bad Request: timeMin/timeMax must be RFC 3339 with an offset');

  const syncToken = params.get('syncToken');
  const pageToken = params.get('pageToken');
  let cursor: PageCursor;
  if (pageToken !== null) {
    const decoded = decodeBase64urlJson(pageToken) as PageCursor | undefined;
    if (decoded === undefined || typeof decoded.o !== 'number') return invalid('Invalid page token');
    cursor = decoded;
  } else if (syncToken !== null) {
    const clash = NOT_WITH_SYNC_TOKEN.find((name) => params.has(name));
    if (clash !== undefined) return invalid(`Sync token cannot be used with ${clash}`);
    const decoded = decodeBase64urlJson(syncToken);
    if (
      decoded === undefined ||
      decoded.u !== email ||
      typeof decoded.s !== 'number' ||
      calendar.isStale(email, decoded.s)
    ) {
      return {
        ok: false,
        status: 410,
        reason: 'fullSyncRequired',
        message: 'Sync token is no longer valid, a full sync is required.',
      };
    }
    cursor = { o: 0, s: calendar.sequenceOf(email), i: decoded.s };
  } else {
    cursor = { o: 0, s: calendar.sequenceOf(email), i: null };
  }

  const incremental = cursor.i;
  const showDeleted = params.get('showDeleted') === 'true' || incremental !== null;
  const matching = calendar
    .stored(email)
    .filter((stored) => (incremental === null ? true : stored.sequence > incremental))
    .map((stored) => stored.event)
    .filter((event) => showDeleted || event.status !== 'cancelled')
    .filter((event) => timeMin === undefined || Date.parse(event.end.dateTime) > timeMin)
    .filter((event) => timeMax === undefined || Date.parse(event.start.dateTime) < timeMax);
  // Full listings in start order; incremental ones in change order.
  if (incremental === null)
    matching.sort((a, b) => a.start.dateTime.localeCompare(b.start.dateTime) || a.id.localeCompare(b.id));

  const size = Math.min(pageSize, MAX_PAGE_SIZE);
  const page = matching.slice(cursor.o, cursor.o + size);
  const more = cursor.o + size < matching.length;
  const body: EventsListBody = {
    kind: 'calendar#events',
    summary: email,
    timeZone: 'UTC',
    accessRole: 'owner',
    updated: now.toISOString(),
    items: page.map((event) => (event.status === 'cancelled' ? { id: event.id, status: 'cancelled' as const } : event)),
  };
  if (more) body.nextPageToken = encodeBase64urlJson({ ...cursor, o: cursor.o + size });
  else body.nextSyncToken = encodeBase64urlJson({ u: email, s: cursor.s });
  return { ok: true, body };
}

function invalid(message: string): ListOutcome {
  return { ok: false, status: 400, reason: 'invalid', message };
}

/** undefined when absent, null when present but not a time with an offset. */
function optionalTime(value: string | null): number | undefined | null {
  if (value === null) return undefined;
  if (!/(Z|[+-]\d\d:\d\d)$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
