import {
  credentialsKeyFragment,
  dbFragment,
  dispatchFragment,
  escalationFragment,
  flagsFragment,
  googleFragment,
  httpFragment,
  logFragment,
  processFragment,
  publicUrlFragment,
  pushFragment,
  redisFragment,
  twilioFragment,
  type DbConfig,
  type DispatchConfig,
  type EscalationConfig,
  type FeatureFlags,
  type GoogleConfig,
  type HttpConfig,
  type LogConfig,
  type ProcessConfig,
  type PushConfig,
  type RedisConfig,
  type TwilioConfig,
} from './fragments.js';
import { readBool, readEnum, readInt, type Env } from './env-reader.js';

export type Role = 'api' | 'calls' | 'worker';

/** What every role reads. */
export interface CommonConfig {
  role: Role;
  process: ProcessConfig;
  db: DbConfig;
  log: LogConfig;
  flags: FeatureFlags;
}

function commonFragment(env: Env, role: Role): CommonConfig {
  return {
    role,
    process: processFragment(env),
    db: dbFragment(env),
    log: logFragment(env),
    flags: flagsFragment(env),
  };
}

export interface ApiConfig extends CommonConfig {
  role: 'api';
  http: HttpConfig;
  publicBaseUrl: string;
  runMigrationsOnStart: boolean;
  rateLimitStore: 'memory' | 'redis';
  /** Present only when a feature of this role needs Redis. */
  redis: RedisConfig | undefined;
  /** Present only when the calendar feature is on. */
  google: GoogleConfig | undefined;
  credentialsKey: Buffer | undefined;
  /** Present only when the alerts feature is on. */
  push: PushConfig | undefined;
}

export function parseApiConfig(env: Env): ApiConfig {
  const common = commonFragment(env, 'api');
  const rateLimitStore = readEnum(env, 'RATE_LIMIT_STORE', ['memory', 'redis'] as const, 'memory');
  return {
    ...common,
    role: 'api',
    http: httpFragment(env, 'PORT', 3000),
    publicBaseUrl: publicUrlFragment(env, 'PUBLIC_BASE_URL'),
    runMigrationsOnStart: readBool(env, 'RUN_MIGRATIONS_ON_START', false),
    rateLimitStore,
    redis: redisFragment(env, rateLimitStore === 'redis' ? 'RATE_LIMIT_STORE=redis' : undefined),
    google: common.flags.calendar ? googleFragment(env) : undefined,
    credentialsKey: common.flags.calendar ? credentialsKeyFragment(env) : undefined,
    push: common.flags.alerts ? pushFragment(env) : undefined,
  };
}

export interface CallsConfig extends CommonConfig {
  role: 'calls';
  http: HttpConfig;
  /** Present only when escalation is on. */
  callsPublicUrl: string | undefined;
  twilio: TwilioConfig | undefined;
}

export function parseCallsConfig(env: Env): CallsConfig {
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
  };
}

export interface WorkerConfig extends CommonConfig {
  role: 'worker';
  http: HttpConfig;
  publicBaseUrl: string;
  calendarSyncConcurrency: number;
  dispatch: DispatchConfig;
  google: GoogleConfig | undefined;
  credentialsKey: Buffer | undefined;
  push: PushConfig | undefined;
  /** Escalation settings: all present, or all undefined when escalation is off. */
  redis: RedisConfig | undefined;
  twilio: TwilioConfig | undefined;
  callsPublicUrl: string | undefined;
  escalation: EscalationConfig | undefined;
}

export function parseWorkerConfig(env: Env): WorkerConfig {
  const common = commonFragment(env, 'worker');
  const { calendar, alerts, escalation } = common.flags;
  const escalationReason = 'FEATURE_ESCALATION_ENABLED=true';
  return {
    ...common,
    role: 'worker',
    http: httpFragment(env, 'HEALTH_PORT', 3002),
    publicBaseUrl: publicUrlFragment(env, 'PUBLIC_BASE_URL'),
    calendarSyncConcurrency: readInt(env, 'CALENDAR_SYNC_CONCURRENCY', {
      default: 8,
      min: 1,
      max: 256,
      example: '8',
    }),
    dispatch: dispatchFragment(env),
    google: calendar ? googleFragment(env) : undefined,
    credentialsKey: calendar ? credentialsKeyFragment(env) : undefined,
    push: alerts ? pushFragment(env) : undefined,
    redis: redisFragment(env, escalation ? escalationReason : undefined),
    twilio: escalation ? twilioFragment(env) : undefined,
    callsPublicUrl: escalation ? publicUrlFragment(env, 'CALLS_PUBLIC_URL', escalationReason) : undefined,
    escalation: escalation ? escalationFragment(env) : undefined,
  };
}
