/** Time is injected, never read ad hoc, so scheduling and expiry are testable. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
