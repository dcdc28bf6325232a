import type { calendar_v3 } from '@nudge/calendar';
import { MalformedResponseError } from './sync-errors.js';

export interface EventsPage {
  items: calendar_v3.Schema$Event[];
  nextPageToken: string | undefined;
  nextSyncToken: string | undefined;
}

/** Checks that a 200 from events.list is an events page; a truncated or foreign body fails the user's sync. */
export function readEventsPage(data: unknown): EventsPage {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new MalformedResponseError(
      `events.list answered ${typeof data === 'string' ? 'unparsable text' : typeof data}, not an events page`,
    );
  }
  const body = data as { items?: unknown; nextPageToken?: unknown; nextSyncToken?: unknown };
  const items = body.items ?? [];
  if (!Array.isArray(items) || items.some((item) => typeof item !== 'object' || item === null)) {
    throw new MalformedResponseError('events.list answered items that are not a list of events');
  }
  const nextPageToken = optionalString(body.nextPageToken, 'nextPageToken');
  const nextSyncToken = optionalString(body.nextSyncToken, 'nextSyncToken');
  if (nextPageToken === undefined && nextSyncToken === undefined) {
    throw new MalformedResponseError('events.list answered a last page without a nextSyncToken');
  }
  return { items: items as calendar_v3.Schema$Event[], nextPageToken, nextSyncToken };
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new MalformedResponseError(`events.list answered a ${name} that is not a string`);
  return value;
}
