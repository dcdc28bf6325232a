import type { MeetingRow } from '@nudge/alerts';
import type { calendar_v3 } from '@nudge/calendar';
import { overlaps, type CalendarWindow } from './calendar-window.js';

type SelfResponse = NonNullable<MeetingRow['self_response']>;
const SELF_RESPONSES = new Set<string>(['accepted', 'declined', 'tentative', 'needsAction']);

/**
 * An event as the sync hands it to the upsert: the meetings row's columns, with times as ISO
 * text (snake_case: it goes to Postgres as JSON).
 */
export type IncomingMeeting = Pick<
  MeetingRow,
  'external_id' | 'title' | 'status' | 'self_response' | 'attendee_count' | 'conference_url'
> & {
  starts_at: string;
  ends_at: string;
  provider_updated_at: string | null;
  /** Outside the window: it only updates a meeting already stored (one that moved away), never adds one. */
  in_window: boolean;
};

/** One page of events, sorted into what the upsert needs. */
export interface PageChanges {
  rows: IncomingMeeting[];
  /** Ids of cancelled events (incremental pages carry only the id and the status). */
  cancelledIds: string[];
  /** Events Nudge does not keep: all-day, without an id, with unreadable times. */
  unusable: number;
}

export function pageChanges(events: readonly calendar_v3.Schema$Event[], window: CalendarWindow): PageChanges {
  const changes: PageChanges = { rows: [], cancelledIds: [], unusable: 0 };
  for (const event of events) {
    if (typeof event.id !== 'string' || event.id === '') {
      changes.unusable += 1;
    } else if (event.status === 'cancelled') {
      changes.cancelledIds.push(event.id);
    } else {
      const row = meetingRow(event, event.id, window);
      if (row === undefined) changes.unusable += 1;
      else changes.rows.push(row);
    }
  }
  return changes;
}

function meetingRow(event: calendar_v3.Schema$Event, id: string, window: CalendarWindow): IncomingMeeting | undefined {
  // All-day events have `date` instead of `dateTime`: they are not meetings to be alerted for.
  const startsAt = timeOf(event.start?.dateTime);
  const endsAt = timeOf(event.end?.dateTime);
  if (startsAt === undefined || endsAt === undefined || endsAt < startsAt) return undefined;
  const attendees = event.attendees ?? [];
  const self = attendees.find((attendee) => attendee.self === true)?.responseStatus;
  return {
    external_id: id,
    title: event.summary ?? '',
    starts_at: startsAt.toISOString(),
    ends_at: endsAt.toISOString(),
    status: 'confirmed',
    // No self attendee: the user's own event, with nobody invited.
    self_response: typeof self === 'string' && SELF_RESPONSES.has(self) ? (self as SelfResponse) : null,
    attendee_count: attendees.length,
    conference_url:
      event.hangoutLink ??
      event.conferenceData?.entryPoints?.find((entry) => entry.entryPointType === 'video')?.uri ??
      null,
    provider_updated_at: timeOf(event.updated)?.toISOString() ?? null,
    in_window: overlaps(window, startsAt, endsAt),
  };
}

function timeOf(value: string | null | undefined): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
