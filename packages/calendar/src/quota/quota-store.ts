/** One request's claim on the shared budget: a slot in this second's window and in the user's minute. */
export interface QuotaClaim {
  globalKey: string;
  globalLimit: number;
  globalTtlMs: number;
  userKey: string;
  userLimit: number;
  userTtlMs: number;
}

/** The deployment's shared pressure state: how far the budget is shrunk and until when Google asked us to pause. */
export interface QuotaPressure {
  /** In (0, 1]: the share of the configured budget in force right after the last rate limit. */
  factor: number;
  /** When the last rate limit came (ms); the factor recovers from there. 0: never. */
  since: number;
  /** No request before this (ms): Google's Retry-After. */
  pausedUntil: number;
}

export const NO_PRESSURE: QuotaPressure = { factor: 1, since: 0, pausedUntil: 0 };

/**
 * Counters shared by every worker replica (Redis, or Postgres without it). `take` is atomic:
 * both slots are granted, or none is counted against the user.
 */
export interface QuotaStore {
  take(claim: QuotaClaim): Promise<'granted' | 'global' | 'user'>;
  /** Requests granted in the last minute, across replicas. */
  usedLastMinute(nowMs: number): Promise<number>;
  readPressure(): Promise<QuotaPressure>;
  writePressure(pressure: QuotaPressure): Promise<void>;
}

/** Global windows are one second long; their keys carry the second, so the last 60 sum to a minute. */
export function globalKeyOf(second: number): string {
  return `g:${second}`;
}
