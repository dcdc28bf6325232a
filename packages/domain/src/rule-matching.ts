/** What the rule needs to know of a meeting. */
export interface MeetingFacts {
  title: string;
  startsAt: Date;
  status: 'confirmed' | 'cancelled';
  /** The user's own answer; null when the user is the only attendee (their own event). */
  selfResponse: 'accepted' | 'declined' | 'tentative' | 'needsAction' | null;
  attendeeCount: number;
}

export interface QuietHours {
  /** "HH:MM" in the user's time zone; the span may wrap past midnight ("22:00"–"07:00"). */
  start: string;
  end: string;
  /** Inside quiet hours, still alert for meetings the user accepted. */
  allow_accepted: boolean;
}

export interface RuleSpec {
  enabled: boolean;
  onlyAccepted: boolean;
  minAttendees: number;
  titleKeywords: readonly string[];
  quietHours: QuietHours | null;
}

export type RuleDecision = { alert: true } | { alert: false; reason: string };

export const HH_MM_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Minutes since local midnight of `at` in `timeZone`. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return value('hour') * 60 + value('minute');
}

export function isWithinQuietHours(at: Date, quiet: QuietHours, timeZone: string): boolean {
  const now = localMinutes(at, timeZone);
  const start = minutesOfDay(quiet.start);
  const end = minutesOfDay(quiet.end);
  if (start === end) return false;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** Whether a meeting deserves an alert under the user's rule, and if not, why not. */
export function decideAlert(rule: RuleSpec, meeting: MeetingFacts, timeZone: string): RuleDecision {
  if (!rule.enabled) return { alert: false, reason: 'the rule is disabled' };
  if (meeting.status === 'cancelled') return { alert: false, reason: 'the meeting was cancelled' };
  if (meeting.selfResponse === 'declined') return { alert: false, reason: 'the invitation was declined' };
  const accepted = meeting.selfResponse === 'accepted' || meeting.selfResponse === null;
  if (rule.onlyAccepted && !accepted)
    return { alert: false, reason: `the invitation is ${meeting.selfResponse}, not accepted` };
  if (meeting.attendeeCount < rule.minAttendees) {
    return { alert: false, reason: `${meeting.attendeeCount} attendees, fewer than ${rule.minAttendees}` };
  }
  if (rule.titleKeywords.length > 0) {
    const title = meeting.title.toLocaleLowerCase();
    if (!rule.titleKeywords.some((keyword) => title.includes(keyword.toLocaleLowerCase()))) {
      return { alert: false, reason: 'the title has none of the keywords' };
    }
  }
  if (rule.quietHours !== null && isWithinQuietHours(meeting.startsAt, rule.quietHours, timeZone)) {
    if (!(rule.quietHours.allow_accepted && accepted))
      return { alert: false, reason: 'the meeting starts in quiet hours' };
  }
  return { alert: true };
}
