import type { ScheduleTiming } from './schedule-timing.js';

export type MissedPolicy = 'skip' | 'once';
export type OverlapPolicy = 'skip' | 'buffer_one';

/** Counting stops here, so a per-second schedule after a week offline costs bounded work. */
export const MAX_COUNTED_SLOTS = 10_000;

export interface SlotSpan {
  /** Slots from the first due one up to `now`, inclusive (at least 1). */
  count: number;
  /** The last slot at or before `now`. */
  latest: Date;
  /** The first slot after `now`. */
  next: Date;
  /** True when counting stopped at MAX_COUNTED_SLOTS. */
  capped: boolean;
}

/** The slots from `firstDue` (at or before `now`) up to `now`, and the one after. */
export function spanOfDueSlots(timing: ScheduleTiming, firstDue: Date, now: Date): SlotSpan {
  let latest = firstDue;
  let count = 1;
  let next = timing.nextAfter(firstDue);
  while (next.getTime() <= now.getTime() && count < MAX_COUNTED_SLOTS) {
    latest = next;
    count += 1;
    next = timing.nextAfter(next);
  }
  const capped = next.getTime() <= now.getTime();
  if (capped) next = timing.nextAfter(now);
  return { count, latest, next, capped };
}

export interface DueSlotPlan {
  /** The slot to run now, if any. */
  runSlot: Date | undefined;
  /** True when the run is the catch-up of `missed_policy = once`. */
  catchUp: boolean;
  /** Slots that did not run on time (a catch-up run does not un-miss them). */
  missed: number;
  capped: boolean;
  /** What `next_run_at` becomes. */
  nextRunAt: Date;
}

/**
 * What a claim of a due schedule does. The latest due slot runs when it is at most
 * `graceMs` late; earlier slots, and a latest slot later than that, are missed. Missed
 * slots never run one by one: `skip` runs nothing for them, `once` runs one catch-up.
 */
export function planDueSlot(
  timing: ScheduleTiming,
  policy: MissedPolicy,
  firstDue: Date,
  now: Date,
  graceMs: number,
): DueSlotPlan {
  const span = spanOfDueSlots(timing, firstDue, now);
  const onTime = now.getTime() - span.latest.getTime() <= graceMs;
  if (onTime) {
    return { runSlot: span.latest, catchUp: false, missed: span.count - 1, capped: span.capped, nextRunAt: span.next };
  }
  return {
    runSlot: policy === 'once' ? span.latest : undefined,
    catchUp: policy === 'once',
    missed: span.count,
    capped: span.capped,
    nextRunAt: span.next,
  };
}
