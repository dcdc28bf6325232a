import type { Sql } from '@nudge/db';
import { globalKeyOf, NO_PRESSURE, type QuotaClaim, type QuotaPressure, type QuotaStore } from './quota-store.js';

const PRESSURE_KEY = 'pressure';
const FACTOR_KEY = `${PRESSURE_KEY}:factor`;
const PAUSE_KEY = `${PRESSURE_KEY}:pause`;
const CLEANUP_EVERY_MS = 10_000;

/**
 * The shared quota in Postgres (an unlogged table: counters need no crash safety). Each take
 * is one statement: the user's slot is counted only when the global one was granted.
 */
export class PostgresQuotaStore implements QuotaStore {
  private lastCleanup = 0;

  constructor(private readonly sql: Sql) {}

  async take(claim: QuotaClaim): Promise<'granted' | 'global' | 'user'> {
    await this.cleanup();
    const [row] = await this.sql<{ global_ok: boolean; user_ok: boolean }[]>`
      with g as (
        insert into google_quota_windows as w (key, count, expires_at)
        values (${claim.globalKey}, 1, now() + make_interval(secs => ${claim.globalTtlMs / 1000}))
        on conflict (key) do update set count = w.count + 1 where w.count < ${claim.globalLimit}
        returning 1
      ), u as (
        insert into google_quota_windows as w (key, count, expires_at)
        select ${claim.userKey}, 1, now() + make_interval(secs => ${claim.userTtlMs / 1000}) where exists (select 1 from g)
        on conflict (key) do update set count = w.count + 1 where w.count < ${claim.userLimit}
        returning 1
      )
      select exists (select 1 from g) as global_ok, exists (select 1 from u) as user_ok`;
    if (row?.global_ok !== true) return 'global';
    if (row.user_ok !== true) {
      // The user's ceiling refused: give the global slot back.
      await this.sql`update google_quota_windows set count = count - 1 where key = ${claim.globalKey} and count > 0`;
      return 'user';
    }
    return 'granted';
  }

  async usedLastMinute(nowMs: number): Promise<number> {
    const second = Math.floor(nowMs / 1000);
    const keys = Array.from({ length: 60 }, (_, i) => globalKeyOf(second - i));
    const [row] = await this.sql<
      { used: number }[]
    >`select coalesce(sum(count), 0)::int as used from google_quota_windows where key = any(${keys}::text[])`;
    return row?.used ?? 0;
  }

  async readPressure(): Promise<QuotaPressure> {
    // Two rows: the factor (thousandths) with its `since` as expiry, and the pause with its end as expiry.
    const rows = await this.sql<{ key: string; count: number; expires_at: Date }[]>`
      select key, count, expires_at from google_quota_windows where key in (${FACTOR_KEY}, ${PAUSE_KEY})`;
    const factor = rows.find((row) => row.key === FACTOR_KEY);
    const pause = rows.find((row) => row.key === PAUSE_KEY);
    if (factor === undefined) return NO_PRESSURE;
    return {
      factor: factor.count / 1000,
      since: factor.expires_at.getTime(),
      pausedUntil: pause?.expires_at.getTime() ?? 0,
    };
  }

  async writePressure(pressure: QuotaPressure): Promise<void> {
    await this.sql`
      insert into google_quota_windows (key, count, expires_at)
      values (${FACTOR_KEY}, ${Math.round(pressure.factor * 1000)}, ${new Date(pressure.since)}),
             (${PAUSE_KEY}, 0, ${new Date(pressure.pausedUntil)})
      on conflict (key) do update set count = excluded.count, expires_at = excluded.expires_at`;
  }

  /** Old windows go now and then; the pressure rows are kept (their expiry is data, not a deadline). */
  private async cleanup(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = now;
    await this.sql`delete from google_quota_windows where expires_at < now() and key not like ${`${PRESSURE_KEY}%`}`;
  }
}
