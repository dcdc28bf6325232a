/** The time source every scheduling decision reads, so tests can pin it to a DST date. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
