import {
  corsOriginsFragment,
  calendarSyncFragment,
  credentialsKeyFragment,
  dbFragment,
  dispatchFragment,
  escalationFragment,
  flagsFragment,
  googleFragment,
  httpFragment,
  logFragment,
  opsFragment,
  phoneVerificationFragment,
  processFragment,
  publicUrlFragment,
  pushFragment,
  pushSubscriptionLimitFragment,
  rateLimitFragment,
  webhookLimitsFragment,
  redisFragment,
  twilioFragment,
  type CalendarSyncConfig,
  type DbConfig,
  type DispatchConfig,
  type EscalationConfig,
  type FeatureFlags,
  type GoogleConfig,
  type HttpConfig,
  type LogConfig,
  type OpsConfig,
  type PhoneVerificationConfig,
  type ProcessConfig,
  type PushConfig,
  type RateLimitConfig,
  type WebhookLimitsConfig,
  type RedisConfig,
  type TwilioConfig,
} from './fragments.js';
import {
  googleSignInFragment,
  mailFragment,
  sessionFragment,
  type GoogleSignInConfig,
  type MailConfig,
  type SessionConfig,
} from './accounts.js';
import { readBool, readEnum, readInts, readRaw, type Env } from './env-reader.js';
import {
  calendarChannelsFragment,
  googleQuotaFragment,
  type CalendarChannelsConfig,
  type GoogleQuotaConfig,
} from './calendar-channels.js';
import { resolveSecretFiles } from './secret-files.js';

export type Role = 'api' | 'calls' | 'worker';

/** What every role reads. */
export interface CommonConfig {
  role: Role;
  process: ProcessConfig;
  db: DbConfig;
  log: LogConfig;
  flags: FeatureFlags;
  ops: OpsConfig;
}

function commonFragment(env: Env, role: Role): CommonConfig {
  return {
    role,
    process: processFragment(env),
    db: dbFragment(env),
    log: logFragment(env),
    flags: flagsFragment(env),
    ops: opsFragment(env),
  };
}

export interface ApiConfig extends CommonConfig {
  role: 'api';
  http: HttpConfig;
  publicBaseUrl: string;
  runMigrationsOnStart: boolean;
  rateLimitStore: 'memory' | 'redis';
  rateLimit: RateLimitConfig;
  corsOrigins: string[];
  /** Present only when a feature of this role needs Redis. */
  redis: RedisConfig | undefined;
  /** Present only when the calendar feature is on. */
  google: GoogleConfig | undefined;
  credentialsKey: Buffer | undefined;
  /** The workers' shared Google quota, which the api's channel stops go through too (calendar feature). */
  googleQuota: GoogleQuotaConfig | undefined;
  /** Present only when the alerts feature is on. */
  push: PushConfig | undefined;
  /** Active push subscriptions per user; the oldest is replaced beyond it. */
  pushMaxSubscriptionsPerUser: number;
  /** Sign in with Google: present with the Google client (calendar feature). */
  googleSignIn: GoogleSignInConfig | undefined;
  sessions: SessionConfig;
  /** Invitation emails; undefined without SMTP_URL. */
  mail: MailConfig | undefined;
  /** Present only when escalation is on: only verified numbers are called, and the api sends the codes. */
  phoneVerification: PhoneVerificationConfig | undefined;
}

export function parseApiConfig(given: Env): ApiConfig {
  const env = resolveSecretFiles(given);
  const common = commonFragment(env, 'api');
  const rateLimitStore = readEnum(env, 'RATE_LIMIT_STORE', ['memory', 'redis'] as const, 'memory');
  // The api's few Google calls (channels.stop on disconnect) take their slots from the workers' counters.
  const googleQuota = common.flags.calendar ? googleQuotaFragment(env, common.flags.escalation) : undefined;
  const redisNeededBy =
    rateLimitStore === 'redis'
      ? 'RATE_LIMIT_STORE=redis'
      : googleQuota?.store === 'redis'
        ? 'the Google quota is kept in Redis (GOOGLE_QUOTA_STORE; redis by default with FEATURE_ESCALATION_ENABLED=true)'
        : undefined;
  return {
    ...common,
    role: 'api',
    http: httpFragment(env, 'PORT', 3000),
    publicBaseUrl: publicUrlFragment(env, 'PUBLIC_BASE_URL'),
    runMigrationsOnStart: readBool(env, 'RUN_MIGRATIONS_ON_START', false),
    rateLimitStore,
    rateLimit: rateLimitFragment(env),
    corsOrigins: corsOriginsFragment(env),
    redis: redisFragment(env, redisNeededBy),
    google: common.flags.calendar ? googleFragment(env) : undefined,
    googleQuota,
    credentialsKey: common.flags.calendar ? credentialsKeyFragment(env) : undefined,
    push: common.flags.alerts ? pushFragment(env) : undefined,
    pushMaxSubscriptionsPerUser: pushSubscriptionLimitFragment(env),
    googleSignIn: common.flags.calendar ? googleSignInFragment(env) : undefined,
    sessions: sessionFragment(env, publicUrlFragment(env, 'PUBLIC_BASE_URL')),
    mail: mailFragment(env),
    phoneVerification: common.flags.escalation
      ? phoneVerificationFragment(
          env,
          twilioFragment(env),
          publicUrlFragment(env, 'CALLS_PUBLIC_URL', 'FEATURE_ESCALATION_ENABLED=true'),
        )
      : undefined,
  };
}

export interface CallsConfig extends CommonConfig {
  role: 'calls';
  http: HttpConfig;
  /** Present only when escalation is on. */
  callsPublicUrl: string | undefined;
  twilio: TwilioConfig | undefined;
  webhookLimits: WebhookLimitsConfig;
}

export function parseCallsConfig(given: Env): CallsConfig {
  const env = resolveSecretFiles(given);
  const common = commonFragment(env, 'calls');
  const escalation = common.flags.escalation;
  return {
    ...common,
    role: 'calls',
    http: httpFragment(env, 'PORT', 3001),
    callsPublicUrl: escalation
      ? publicUrlFragment(env, 'CALLS_PUBLIC_URL', 'FEATURE_ESCALATION_ENABLED=true')
      : undefined,
    twilio: escalation ? twilioFragment(env) : undefined,
    webhookLimits: webhookLimitsFragment(env),
  };
}

export interface WorkerConfig extends CommonConfig {
  role: 'worker';
  http: HttpConfig;
  publicBaseUrl: string;
  calendarSyncConcurrency: number;
  calendarSync: CalendarSyncConfig;
  dispatch: DispatchConfig;
  google: GoogleConfig | undefined;
  credentialsKey: Buffer | undefined;
  push: PushConfig | undefined;
  /** Escalation settings: all present, or all undefined when escalation is off. */
  redis: RedisConfig | undefined;
  twilio: TwilioConfig | undefined;
  callsPublicUrl: string | undefined;
  scheduler: SchedulerConfig;
  escalation: EscalationConfig | undefined;
  /** Present only when the calendar feature is on. */
  calendarChannels: CalendarChannelsConfig | undefined;
  googleQuota: GoogleQuotaConfig | undefined;
}

export interface SchedulerConfig {
  /** A lease not renewed for this long is reclaimed by another replica. */
  leaseTimeoutMs: number;
  /** The longest the loop sleeps between ticks; it wakes earlier for a due slot. */
  tickIntervalMs: number;
}

const SCHEDULER_NUMBERS = {
  leaseTimeoutMs: { name: 'LEASE_TIMEOUT_MS', default: 60_000, min: 300, max: 3_600_000 },
  tickIntervalMs: { name: 'SCHEDULER_TICK_INTERVAL_MS', default: 1_000, min: 10, max: 60_000 },
} as const;

function schedulerFragment(env: Env): SchedulerConfig {
  return readInts(env, SCHEDULER_NUMBERS);
}

export function parseWorkerConfig(given: Env): WorkerConfig {
  const env = resolveSecretFiles(given);
  const common = commonFragment(env, 'worker');
  const { calendar, alerts, escalation } = common.flags;
  const escalationReason = 'FEATURE_ESCALATION_ENABLED=true';
  const calendarSync = calendarSyncFragment(env);
  const publicBaseUrl = publicUrlFragment(env, 'PUBLIC_BASE_URL');
  // The quota store is read before REDIS_URL: GOOGLE_QUOTA_STORE=redis is one more reason to need it.
  const quotaStoreRedis = calendar && (escalation || readRaw(env, 'GOOGLE_QUOTA_STORE') === 'redis');
  const redisNeededBy = escalation ? escalationReason : quotaStoreRedis ? 'GOOGLE_QUOTA_STORE=redis' : undefined;
  return {
    ...common,
    role: 'worker',
    http: httpFragment(env, 'HEALTH_PORT', 3002),
    publicBaseUrl,
    // Kept next to calendarSync.concurrency (the same value) for code that already reads it.
    calendarSyncConcurrency: calendarSync.concurrency,
    calendarSync,
    dispatch: dispatchFragment(env),
    google: calendar ? googleFragment(env) : undefined,
    credentialsKey: calendar ? credentialsKeyFragment(env) : undefined,
    push: alerts ? pushFragment(env) : undefined,
    redis: redisFragment(env, redisNeededBy),
    twilio: escalation ? twilioFragment(env) : undefined,
    callsPublicUrl: escalation ? publicUrlFragment(env, 'CALLS_PUBLIC_URL', escalationReason) : undefined,
    scheduler: schedulerFragment(env),
    escalation: escalation ? escalationFragment(env) : undefined,
    calendarChannels: calendar ? calendarChannelsFragment(env, publicBaseUrl) : undefined,
    googleQuota: calendar ? googleQuotaFragment(env, escalation) : undefined,
  };
}
