/** Google's published Calendar API limits, per minute, as the emulator enforces them. */
export interface CalendarQuotaLimits {
  /** Requests per minute for the whole project (Google: 10,000); beyond it, 429 rateLimitExceeded. */
  projectPerMinute: number;
  /** Requests per minute per user (Google: 600); beyond it, 403 userRateLimitExceeded. */
  userPerMinute: number;
}

export type QuotaVerdict =
  | { ok: true }
  | {
      ok: false;
      status: 403 | 429;
      reason: 'rateLimitExceeded' | 'userRateLimitExceeded';
      message: string;
      retryAfterSeconds: number;
    };

const MINUTE_MS = 60_000;

/** Google's answers when the project's minute (429) or a user's (403) is used up. */
const REFUSALS = {
  project: { status: 429, reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' },
  user: { status: 403, reason: 'userRateLimitExceeded', message: 'User Rate Limit Exceeded' },
} as const;

/**
 * Sliding-minute counters of Calendar requests, for the project and per user. Unlimited until
 * `limits` are set. Only admitted requests count against the minute.
 */
export class CalendarQuota {
  limits: CalendarQuotaLimits | undefined;
  private project: number[] = [];
  private readonly users = new Map<string, number[]>();
  /** Requests refused for quota since start. */
  rejected = { project: 0, user: 0 };
  /** Calendar requests received since start, refused ones included. */
  total = 0;

  constructor(private readonly now: () => number) {}

  admit(email: string): QuotaVerdict {
    const now = this.now();
    this.total += 1;
    if (this.limits === undefined) return { ok: true };
    this.project = recent(this.project, now);
    const user = recent(this.users.get(email) ?? [], now);
    this.users.set(email, user);
    const refuse = (limit: keyof typeof REFUSALS, oldest: number | undefined): QuotaVerdict => {
      this.rejected[limit] += 1;
      const retryAfterSeconds = Math.max(1, Math.ceil(((oldest ?? now) + MINUTE_MS - now) / 1000));
      return { ok: false, ...REFUSALS[limit], retryAfterSeconds };
    };
    if (this.project.length >= this.limits.projectPerMinute) return refuse('project', this.project[0]);
    if (user.length >= this.limits.userPerMinute) return refuse('user', user[0]);
    this.project.push(now);
    user.push(now);
    return { ok: true };
  }

  /** Admitted requests in the last minute. */
  lastMinute(): number {
    this.project = recent(this.project, this.now());
    return this.project.length;
  }
}

function recent(times: number[], now: number): number[] {
  let drop = 0;
  while (drop < times.length && times[drop]! <= now - MINUTE_MS) drop += 1;
  return drop === 0 ? times : times.slice(drop);
}
