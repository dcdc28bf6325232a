import { readBool, readEnum, readInt, type Env } from './env-reader.js';

/** Google push channels and the safety poll (worker). */
export interface CalendarChannelsConfig {
  /**
   * `${PUBLIC_BASE_URL}/v1/calendar/google/notifications`, or undefined when channels are off:
   * Google delivers only to a public https address, so without one every user is polled.
   */
  address: string | undefined;
  /** Why channels are off (said once at start); undefined when they are on. */
  offReason: string | undefined;
  /** The channel lifetime asked of Google; channels are renewed when a quarter of it is left. */
  ttlSeconds: number;
  /** Users with a live channel are still polled this often, to catch a lost notification. */
  safetySyncMinutes: number;
  /**
   * Targeted syncs (and first syncs of new connections) one worker runs at once. They are short
   * and the shared quota, not this, bounds what reaches Google: enough that a burst uses the
   * whole budget (133 requests a second at the default 8,000 a minute, ~0.3 s a sync).
   */
  targetedConcurrency: number;
}

export const NOTIFICATIONS_PATH = '/v1/calendar/google/notifications';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * CALENDAR_CHANNELS_TEST_ALLOW_LOOPBACK_HTTP=true lets tests register an http://127.0.0.1 address
 * with the Google emulator. It never allows any other http address, and is off by default.
 */
export function calendarChannelsFragment(env: Env, publicBaseUrl: string): CalendarChannelsConfig {
  const ttlSeconds = readInt(env, 'CALENDAR_CHANNEL_TTL_SECONDS', {
    default: 7 * 86_400,
    min: 60,
    max: 30 * 86_400,
    example: '604800',
  });
  const safetySyncMinutes = readInt(env, 'CALENDAR_SAFETY_SYNC_MINUTES', {
    default: 60,
    min: 1,
    max: 7 * 24 * 60,
    example: '60',
  });
  const targetedConcurrency = readInt(env, 'CALENDAR_TARGETED_CONCURRENCY', {
    default: 64,
    min: 1,
    max: 1_024,
    example: '64',
  });
  const allowLoopbackHttp = readBool(env, 'CALENDAR_CHANNELS_TEST_ALLOW_LOOPBACK_HTTP', false);
  const url = new URL(publicBaseUrl);
  const loopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  const address = `${publicBaseUrl}${NOTIFICATIONS_PATH}`;
  if (url.protocol === 'https:' || (allowLoopbackHttp && loopbackHttp))
    return { address, offReason: undefined, ttlSeconds, safetySyncMinutes, targetedConcurrency };
  return {
    address: undefined,
    offReason: `PUBLIC_BASE_URL (${url.origin}) is not https, and Google delivers push notifications only to a public https address`,
    ttlSeconds,
    safetySyncMinutes,
    targetedConcurrency,
  };
}

/** The one budget for requests to Google, shared by every worker replica. */
export interface GoogleQuotaConfig {
  /** GOOGLE_REQUESTS_PER_MINUTE: the deployment's budget (default 8,000: 80% of Google's 10,000). */
  requestsPerMinute: number;
  /** GOOGLE_REQUESTS_PER_USER_PER_MINUTE: one user's ceiling (default 480: 80% of Google's 600). */
  perUserPerMinute: number;
  /** Where the shared counters live. */
  store: 'redis' | 'postgres';
}

/** GOOGLE_QUOTA_STORE defaults to redis when the worker has Redis anyway, else postgres. */
export function googleQuotaFragment(env: Env, redisConfigured: boolean): GoogleQuotaConfig {
  return {
    requestsPerMinute: readInt(env, 'GOOGLE_REQUESTS_PER_MINUTE', {
      default: 8_000,
      min: 60,
      max: 10_000_000,
      example: '8000',
    }),
    perUserPerMinute: readInt(env, 'GOOGLE_REQUESTS_PER_USER_PER_MINUTE', {
      default: 480,
      min: 1,
      max: 100_000,
      example: '480',
    }),
    store: readEnum(env, 'GOOGLE_QUOTA_STORE', ['redis', 'postgres'] as const, redisConfigured ? 'redis' : 'postgres'),
  };
}
