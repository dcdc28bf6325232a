import { describe, expect, it } from '@jest/globals';
import { VALID_CONFIG_ENV as base } from '@nudge/testkit';
import { ConfigError } from './config-error.js';
import { parseWorkerConfig } from './roles.js';

describe('calendar channel settings', () => {
  it('defaults: channels on for an https PUBLIC_BASE_URL, a week-long channel, a safety poll every 60 minutes, 8,000 requests a minute in Postgres', () => {
    const config = parseWorkerConfig(base);
    expect(config.calendarChannels).toEqual({
      address: 'https://nudge.example.com/v1/calendar/google/notifications',
      offReason: undefined,
      ttlSeconds: 604_800,
      safetySyncMinutes: 60,
      targetedConcurrency: 64,
    });
    expect(config.googleQuota).toEqual({ requestsPerMinute: 8_000, perUserPerMinute: 480, store: 'postgres' });
  });

  it('turns channels off, with the reason, when PUBLIC_BASE_URL is plain http', () => {
    const config = parseWorkerConfig({ ...base, PUBLIC_BASE_URL: 'http://nudge.internal:3000' });
    expect(config.calendarChannels?.address).toBeUndefined();
    expect(config.calendarChannels?.offReason).toMatch(/not https/);
  });

  it('the test allowance lets only a loopback http address through, never another http host', () => {
    const allow = { CALENDAR_CHANNELS_TEST_ALLOW_LOOPBACK_HTTP: 'true' };
    expect(
      parseWorkerConfig({ ...base, ...allow, PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }).calendarChannels?.address,
    ).toBe('http://127.0.0.1:3000/v1/calendar/google/notifications');
    expect(
      parseWorkerConfig({ ...base, ...allow, PUBLIC_BASE_URL: 'http://nudge.example.com' }).calendarChannels?.address,
    ).toBeUndefined();
    expect(
      parseWorkerConfig({ ...base, PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }).calendarChannels?.address,
    ).toBeUndefined();
  });

  it('reads the budget, the per-user ceiling and the safety interval, and rejects nonsense', () => {
    const config = parseWorkerConfig({
      ...base,
      GOOGLE_REQUESTS_PER_MINUTE: '2000',
      GOOGLE_REQUESTS_PER_USER_PER_MINUTE: '100',
      CALENDAR_SAFETY_SYNC_MINUTES: '240',
    });
    expect(config.googleQuota).toMatchObject({ requestsPerMinute: 2_000, perUserPerMinute: 100 });
    expect(config.calendarChannels?.safetySyncMinutes).toBe(240);
    expect(() => parseWorkerConfig({ ...base, GOOGLE_REQUESTS_PER_MINUTE: 'lots' })).toThrow(ConfigError);
    expect(() => parseWorkerConfig({ ...base, CALENDAR_SAFETY_SYNC_MINUTES: '0' })).toThrow(ConfigError);
    expect(() => parseWorkerConfig({ ...base, CALENDAR_CHANNEL_TTL_SECONDS: '5' })).toThrow(ConfigError);
  });

  it('GOOGLE_QUOTA_STORE=redis needs REDIS_URL; REDIS_URL alone changes nothing', () => {
    expect(() => parseWorkerConfig({ ...base, GOOGLE_QUOTA_STORE: 'redis' })).toThrow(/REDIS_URL/);
    expect(
      parseWorkerConfig({ ...base, GOOGLE_QUOTA_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' }).googleQuota
        ?.store,
    ).toBe('redis');
    // REDIS_URL alone (no feature needing it) changes nothing: no Redis connection is made.
    const plain = parseWorkerConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(plain.redis).toBeUndefined();
    expect(plain.googleQuota?.store).toBe('postgres');
  });

  it('has no channel or quota settings with the calendar feature off', () => {
    const config = parseWorkerConfig({ ...base, FEATURE_CALENDAR_ENABLED: 'false' });
    expect(config.calendarChannels).toBeUndefined();
    expect(config.googleQuota).toBeUndefined();
  });
});
