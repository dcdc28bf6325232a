/** The part of the calendar Nudge keeps: from one day ago (meetings under way) to the horizon. */
export interface CalendarWindow {
  start: Date;
  end: Date;
}

const DAY_MS = 86_400_000;

export function calendarWindow(now: Date, horizonDays: number): CalendarWindow {
  return { start: new Date(now.getTime() - DAY_MS), end: new Date(now.getTime() + horizonDays * DAY_MS) };
}

export function overlaps(window: CalendarWindow, startsAt: Date, endsAt: Date): boolean {
  return startsAt.getTime() < window.end.getTime() && endsAt.getTime() > window.start.getTime();
}
