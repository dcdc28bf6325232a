import type { Redis } from 'ioredis';
import { globalKeyOf, NO_PRESSURE, type QuotaClaim, type QuotaPressure, type QuotaStore } from './quota-store.js';

const PREFIX = 'nudge:google-quota:';

/** Both slots or none, in one round trip: KEYS global, user; ARGV globalLimit, globalTtlMs, userLimit, userTtlMs. */
const TAKE = `
local g = tonumber(redis.call('GET', KEYS[1]) or '0')
if g >= tonumber(ARGV[1]) then return 1 end
local u = tonumber(redis.call('GET', KEYS[2]) or '0')
if u >= tonumber(ARGV[3]) then return 2 end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 0`;

/** The shared quota in Redis: counters with expiries, taken by one Lua script. */
export class RedisQuotaStore implements QuotaStore {
  constructor(private readonly redis: Redis) {}

  async take(claim: QuotaClaim): Promise<'granted' | 'global' | 'user'> {
    const result = (await this.redis.eval(
      TAKE,
      2,
      PREFIX + claim.globalKey,
      PREFIX + claim.userKey,
      claim.globalLimit,
      claim.globalTtlMs,
      claim.userLimit,
      claim.userTtlMs,
    )) as number;
    return result === 0 ? 'granted' : result === 1 ? 'global' : 'user';
  }

  async usedLastMinute(nowMs: number): Promise<number> {
    const second = Math.floor(nowMs / 1000);
    const values = await this.redis.mget(Array.from({ length: 60 }, (_, i) => PREFIX + globalKeyOf(second - i)));
    return values.reduce((sum, value) => sum + Number(value ?? 0), 0);
  }

  async readPressure(): Promise<QuotaPressure> {
    const raw = await this.redis.get(`${PREFIX}pressure`);
    if (raw === null) return NO_PRESSURE;
    const parsed = JSON.parse(raw) as QuotaPressure;
    return { ...NO_PRESSURE, ...parsed };
  }

  async writePressure(pressure: QuotaPressure): Promise<void> {
    // Kept a day: long after the factor has recovered, so a stale entry is harmless.
    await this.redis.set(`${PREFIX}pressure`, JSON.stringify(pressure), 'PX', 86_400_000);
  }
}
