import { createHash, randomBytes } from 'node:crypto';

export type ResponseStatus = 'needsAction' | 'declined' | 'tentative' | 'accepted';

export interface Attendee {
  email: string;
  self?: boolean;
  organizer?: boolean;
  responseStatus: ResponseStatus;
}

/** An event as Calendar v3 returns it (the fields Nudge reads, and a few for realism). */
export interface CalendarEvent {
  kind: 'calendar#event';
  etag: string;
  id: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  summary?: string;
  start: { dateTime: string; timeZone?: string };
  end: { dateTime: string; timeZone?: string };
  created: string;
  updated: string;
  attendees?: Attendee[];
  hangoutLink?: string;
  conferenceData?: { entryPoints: { entryPointType: string; uri: string }[] };
}

export interface EventInput {
  id?: string;
  summary?: string;
  start: Date | string;
  end: Date | string;
  status?: 'confirmed' | 'tentative';
  timeZone?: string;
  attendees?: Attendee[];
  hangoutLink?: string;
  conferenceData?: CalendarEvent['conferenceData'];
}

export interface StoredEvent {
  event: CalendarEvent;
  /** The user's change counter when the event last changed: what sync tokens compare. */
  sequence: number;
}

interface UserCalendar {
  email: string;
  events: Map<string, StoredEvent>;
  sequence: number;
  /** Sync tokens older than this are stale: the emulator answers 410. */
  oldestValidSequence: number;
}

/** Each user's primary calendar, with a change counter per user for incremental sync. */
export class CalendarEvents {
  private readonly calendars = new Map<string, UserCalendar>();

  constructor(
    private readonly now: () => number,
    /** Told after every change to a user's calendar (what watch channels notify about). */
    private readonly onChange: (email: string) => void = () => undefined,
  ) {}

  /** Adds an event, or replaces the one with the same id. */
  put(email: string, input: EventInput): CalendarEvent {
    const calendar = this.calendar(email);
    const id = input.id ?? randomBytes(13).toString('hex');
    const previous = calendar.events.get(id)?.event;
    const updated = new Date(this.now()).toISOString();
    const event: CalendarEvent = {
      kind: 'calendar#event',
      etag: '',
      id,
      status: input.status ?? 'confirmed',
      ...(input.summary === undefined ? {} : { summary: input.summary }),
      start: eventTime(input.start, input.timeZone),
      end: eventTime(input.end, input.timeZone),
      created: previous?.created ?? updated,
      updated,
      ...(input.attendees === undefined ? {} : { attendees: input.attendees }),
      ...(input.hangoutLink === undefined ? {} : { hangoutLink: input.hangoutLink }),
      ...(input.conferenceData === undefined ? {} : { conferenceData: input.conferenceData }),
    };
    return this.store(calendar, event);
  }

  /** Changes some fields of an existing event (a move, a new title, a declined invitation). */
  modify(email: string, id: string, changes: Partial<Omit<EventInput, 'id'>>): CalendarEvent {
    const current = this.require(email, id);
    return this.put(email, {
      id,
      start: current.start.dateTime,
      end: current.end.dateTime,
      ...(current.status === 'cancelled' ? {} : { status: current.status }),
      ...pick(current, ['summary', 'attendees', 'hangoutLink', 'conferenceData']),
      ...(current.start.timeZone === undefined ? {} : { timeZone: current.start.timeZone }),
      ...changes,
    });
  }

  cancel(email: string, id: string): CalendarEvent {
    const current = this.require(email, id);
    return this.store(this.calendar(email), {
      ...current,
      status: 'cancelled',
      updated: new Date(this.now()).toISOString(),
    });
  }

  /** Every event of the user in change order, cancelled ones included. */
  stored(email: string): StoredEvent[] {
    return [...this.calendar(email).events.values()].sort((a, b) => a.sequence - b.sequence);
  }

  sequenceOf(email: string): number {
    return this.calendar(email).sequence;
  }

  isStale(email: string, sequence: number): boolean {
    return sequence < this.calendar(email).oldestValidSequence;
  }

  /** Every sync token handed out so far becomes stale (Google does this now and then). */
  invalidateSyncTokens(email: string): void {
    const calendar = this.calendar(email);
    calendar.oldestValidSequence = calendar.sequence + 1;
  }

  private store(calendar: UserCalendar, event: CalendarEvent): CalendarEvent {
    calendar.sequence += 1;
    const stored = {
      ...event,
      etag: `"${createHash('sha1').update(`${event.id}:${calendar.sequence}`).digest('hex').slice(0, 16)}"`,
    };
    calendar.events.set(event.id, { event: stored, sequence: calendar.sequence });
    this.onChange(calendar.email);
    return stored;
  }

  private require(email: string, id: string): CalendarEvent {
    const stored = this.calendar(email).events.get(id);
    if (stored === undefined) throw new Error(`no event ${id} for ${email}`);
    return stored.event;
  }

  private calendar(email: string): UserCalendar {
    let calendar = this.calendars.get(email);
    if (calendar === undefined) {
      calendar = { email, events: new Map(), sequence: 0, oldestValidSequence: 0 };
      this.calendars.set(email, calendar);
    }
    return calendar;
  }
}

function eventTime(at: Date | string, timeZone: string | undefined): CalendarEvent['start'] {
  const dateTime = typeof at === 'string' ? at : at.toISOString();
  return timeZone === undefined ? { dateTime } : { dateTime, timeZone };
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}
