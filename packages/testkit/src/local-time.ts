import { isWithinQuietHours, type QuietHours } from '@nudge/domain';

/**
 * The first whole hour at least `notBefore` ahead of `now` that lies outside `quiet` in
 * `timeZone`: a meeting time that a rule with those quiet hours alerts for at any hour of the
 * day the test runs.
 */
export function firstHourOutside(quiet: QuietHours, timeZone: string, now: Date, notBeforeMs: number): Date {
  const start = Math.ceil((now.getTime() + notBeforeMs) / 3_600_000) * 3_600_000;
  for (let hour = 0; hour < 48; hour += 1) {
    const candidate = new Date(start + hour * 3_600_000);
    if (!isWithinQuietHours(candidate, quiet, timeZone)) return candidate;
  }
  throw new Error(`no hour outside ${quiet.start}–${quiet.end} in ${timeZone} within two days`);
}
