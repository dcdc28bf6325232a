import { Cron } from 'croner';
import { isIanaTimeZone } from './contact.js';

/** A cron expression or interval the scheduler cannot use; the message is the parser's. */
export class InvalidScheduleError extends Error {
  override readonly name = 'InvalidScheduleError';
}

/** When a schedule fires: the instants ("slots") after any given instant. */
export interface ScheduleTiming {
  /** The text stored in `job_schedules.cron`: a cron expression or `@every 30s`. */
  readonly expression: string;
  readonly timezone: string;
  /** The first slot strictly after `instant`. */
  nextAfter(instant: Date): Date;
}

const EVERY = /^@every\s+(\d+)\s*(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A longer interval is a typo; a much longer one would put the next run past the last date JavaScript can hold. */
const MAX_INTERVAL_MS = 366 * 24 * 3_600_000;

/** A slot past the last date a Date can hold (year 275760) is no run at all: an error, never an Invalid Date. */
function checkedSlot(expression: string, next: Date): Date {
  if (Number.isNaN(next.getTime()))
    throw new InvalidScheduleError(`"${expression}" has no run within the dates that can be represented`);
  return next;
}

/** The `@every` form of a fixed interval, in the largest unit that divides it. */
export function everyExpression(everyMs: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] as number;
    if (everyMs % size === 0) return `@every ${everyMs / size}${unit}`;
  }
  return `@every ${everyMs}ms`;
}

/**
 * Fixed intervals are anchored at the Unix epoch, so every replica computes the same slots
 * without sharing any state; a time zone does not move them.
 */
function intervalTiming(expression: string, everyMs: number, timezone: string): ScheduleTiming {
  return {
    expression,
    timezone,
    nextAfter: (instant) => checkedSlot(expression, new Date((Math.floor(instant.getTime() / everyMs) + 1) * everyMs)),
  };
}

/**
 * Cron in the schedule's IANA zone, evaluated by croner. Its DST rules are the ones we
 * promise: a fixed-time job (single second, minute and hour) whose time falls in the
 * spring-forward gap runs at the first valid instant after it, and runs once in the
 * fall-back fold; interval-like expressions follow real time (gap times do not exist).
 */
function cronTiming(expression: string, timezone: string): ScheduleTiming {
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone, mode: '5-or-6-parts' });
  } catch (err) {
    throw new InvalidScheduleError((err as Error).message);
  }
  return {
    expression,
    timezone,
    nextAfter(instant) {
      const next = cron.nextRun(instant);
      if (next === null) throw new InvalidScheduleError(`"${expression}" has no run after ${instant.toISOString()}`);
      return checkedSlot(expression, next);
    },
  };
}

/** Parses what a definition or a `job_schedules` row says; throws InvalidScheduleError. */
export function parseScheduleTiming(expression: string, timezone: string): ScheduleTiming {
  if (!isIanaTimeZone(timezone)) throw new InvalidScheduleError(`timezone "${timezone}" is not an IANA time zone`);
  const trimmed = expression.trim();
  const every = EVERY.exec(trimmed);
  if (every !== null) {
    const everyMs = Number(every[1]) * (UNIT_MS[every[2] as string] as number);
    if (everyMs < 100) throw new InvalidScheduleError(`"${expression}" is shorter than the 100 ms minimum interval`);
    if (!(everyMs <= MAX_INTERVAL_MS))
      throw new InvalidScheduleError(`"${expression}" is longer than the maximum interval of 366 days (@every 8784h)`);
    return intervalTiming(trimmed, everyMs, timezone);
  }
  if (trimmed.startsWith('@every')) {
    throw new InvalidScheduleError(`"${expression}" is not an interval such as "@every 30s" (units: ms, s, m, h)`);
  }
  return cronTiming(trimmed, timezone);
}

/** The next `count` slots after `after`, for previews. */
export function upcomingSlots(timing: ScheduleTiming, after: Date, count: number): Date[] {
  const slots: Date[] = [];
  let cursor = after;
  for (let i = 0; i < count; i += 1) {
    cursor = timing.nextAfter(cursor);
    slots.push(cursor);
  }
  return slots;
}
