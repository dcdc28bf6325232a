import { hostname } from 'node:os';
import { isE164 } from '@nudge/domain';
import { ConfigError } from './config-error.js';
import { DatabaseUrlError, parseDatabaseUrl, type DatabaseUrl } from './database-url.js';
import { pushEndpointAllowedHosts, type AllowedPushHost } from './push-endpoint-hosts.js';
import {
  readBool,
  readEndpointUrl,
  readEnum,
  readInt,
  readInts,
  readKeyBytes,
  readList,
  readRaw,
  readUrl,
  requireString,
  type Env,
} from './env-reader.js';

/** Each fragment reads one concern of the environment; a role's config is built from them. */

export interface DbConfig {
  url: DatabaseUrl;
  poolMax: number;
  connectTimeoutSeconds: number;
  statementTimeoutMs: number;
}

/*
 * The whole-number settings, one table per fragment: variable, default, and the accepted range.
 * An error names the variable, the range, and the default as the example.
 */

const DB_NUMBERS = {
  poolMax: { name: 'DB_POOL_MAX', default: 10, min: 1, max: 200 },
  connectTimeoutSeconds: { name: 'DB_CONNECT_TIMEOUT_SECONDS', default: 10, min: 1, max: 300 },
  statementTimeoutMs: { name: 'DB_STATEMENT_TIMEOUT_MS', default: 30_000, min: 100, max: 3_600_000 },
} as const;

const READINESS_NUMBERS = {
  intervalMs: { name: 'READINESS_INTERVAL_MS', default: 2_000, min: 100, max: 60_000 },
  timeoutMs: { name: 'READINESS_TIMEOUT_MS', default: 2_000, min: 100, max: 30_000 },
} as const;

const HTTP_NUMBERS = {
  bodyLimitBytes: { name: 'HTTP_BODY_LIMIT_BYTES', default: 64 * 1024, min: 1024, max: 10 * 1024 * 1024 },
} as const;

const PROCESS_NUMBERS = {
  shutdownTimeoutMs: { name: 'SHUTDOWN_TIMEOUT_MS', default: 10_000, min: 100, max: 600_000 },
  heartbeatIntervalMs: { name: 'HEARTBEAT_INTERVAL_MS', default: 15_000, min: 100, max: 300_000 },
} as const;

const CALENDAR_SYNC_NUMBERS = {
  concurrency: { name: 'CALENDAR_SYNC_CONCURRENCY', default: 8, min: 1, max: 256 },
  horizonDays: { name: 'CALENDAR_SYNC_HORIZON_DAYS', default: 14, min: 1, max: 365 },
  userTimeoutMs: { name: 'CALENDAR_SYNC_USER_TIMEOUT_MS', default: 30_000, min: 100, max: 600_000 },
} as const;

const DISPATCH_NUMBERS = {
  batchSize: { name: 'DISPATCH_BATCH_SIZE', default: 200, min: 1, max: 5_000 },
  concurrency: { name: 'DISPATCH_CONCURRENCY', default: 64, min: 1, max: 1_024 },
  staleProcessingMs: { name: 'PUSH_STALE_PROCESSING_MS', default: 120_000, min: 1_000, max: 3_600_000 },
  perUserConcurrency: { name: 'DISPATCH_CONCURRENCY_PER_USER', default: 4, min: 1, max: 1_024 },
  sendTimeoutMs: { name: 'PUSH_SEND_TIMEOUT_MS', default: 3_000, min: 100, max: 60_000 },
} as const;

const PUSH_SUBSCRIPTION_NUMBERS = {
  maxPerUser: { name: 'PUSH_MAX_SUBSCRIPTIONS_PER_USER', default: 10, min: 1, max: 1_000 },
} as const;

const RATE_LIMIT_NUMBERS = {
  perToken: { name: 'RATE_LIMIT_PER_TOKEN_PER_MINUTE', default: 600, min: 1, max: 1_000_000 },
  perAddress: { name: 'RATE_LIMIT_PER_ADDRESS_PER_MINUTE', default: 120, min: 1, max: 1_000_000 },
  perOrg: { name: 'RATE_LIMIT_PER_ORG_PER_MINUTE', default: 6_000, min: 1, max: 10_000_000 },
} as const;

const WEBHOOK_LIMIT_NUMBERS = {
  perAddressPerMinute: { name: 'CALLS_RATE_LIMIT_PER_ADDRESS_PER_MINUTE', default: 600, min: 1, max: 1_000_000 },
} as const;

const ESCALATION_NUMBERS = {
  concurrency: { name: 'ESCALATION_CONCURRENCY', default: 32, min: 1, max: 1_024 },
  reconcileIntervalMs: { name: 'ESCALATION_RECONCILE_INTERVAL_MS', default: 5_000, min: 100, max: 300_000 },
  ringTimeoutSeconds: { name: 'CALL_RING_TIMEOUT_SECONDS', default: 25, min: 5, max: 120 },
  twilioRequestTimeoutMs: { name: 'TWILIO_REQUEST_TIMEOUT_MS', default: 10_000, min: 500, max: 120_000 },
  breakerHalfOpenMs: { name: 'TWILIO_BREAKER_HALF_OPEN_MS', default: 30_000, min: 100, max: 3_600_000 },
} as const;

export function dbFragment(env: Env): DbConfig {
  let url: DatabaseUrl;
  try {
    url = parseDatabaseUrl(env.DATABASE_URL);
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new ConfigError('DATABASE_URL', err.problem, err.example);
    throw err;
  }
  return { url, ...readInts(env, DB_NUMBERS) };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogConfig {
  level: LogLevel;
}

export function logFragment(env: Env): LogConfig {
  return { level: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info') };
}

export interface FeatureFlags {
  schedulers: boolean;
  calendar: boolean;
  alerts: boolean;
  escalation: boolean;
  checkin: boolean;
}

export function flagsFragment(env: Env): FeatureFlags {
  return {
    schedulers: readBool(env, 'ENABLE_SCHEDULERS', false),
    calendar: readBool(env, 'FEATURE_CALENDAR_ENABLED', true),
    alerts: readBool(env, 'FEATURE_ALERTS_ENABLED', true),
    escalation: readBool(env, 'FEATURE_ESCALATION_ENABLED', false),
    checkin: readBool(env, 'FEATURE_CHECKIN_ENABLED', true),
  };
}

export interface HttpConfig {
  host: string;
  port: number;
  bodyLimitBytes: number;
  /** Which proxies' X-Forwarded-* headers to believe: none, all, a hop count, or addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  /** Where `/metrics` is served: never on the public port without a token. */
  metrics: MetricsEndpointConfig;
  /** How `/health/ready` learns its answer. */
  readiness: ReadinessConfig;
}

/**
 * METRICS_PORT: a separate listener (on HOST) that serves only /metrics; the public port then
 * serves none. METRICS_TOKEN: /metrics requires `Authorization: Bearer <token>` wherever it is
 * served (on the public port when METRICS_PORT is unset). Neither: metrics are not served.
 */
export interface MetricsEndpointConfig {
  port: number | undefined;
  token: string | undefined;
}

export interface ReadinessConfig {
  /** Dependencies are checked in the background this often; /health/ready answers the last result. */
  intervalMs: number;
  /** One check's budget; a check that misses it twice in a row counts as failing. */
  timeoutMs: number;
}

const METRICS_TOKEN_MIN_LENGTH = 16;

function metricsEndpointFragment(
  env: Env,
  portVariable: 'PORT' | 'HEALTH_PORT',
  publicPort: number,
): MetricsEndpointConfig {
  const port =
    readRaw(env, 'METRICS_PORT') === undefined
      ? undefined
      : readInt(env, 'METRICS_PORT', { default: 9464, min: 1, max: 65535, example: '9464' });
  if (port !== undefined && port === publicPort) {
    throw new ConfigError(
      'METRICS_PORT',
      `must differ from ${portVariable} (both are ${port}): metrics leave the public port`,
      '9464',
    );
  }
  const token = readRaw(env, 'METRICS_TOKEN');
  if (token !== undefined && (token.length < METRICS_TOKEN_MIN_LENGTH || /\s/.test(token))) {
    throw new ConfigError(
      'METRICS_TOKEN',
      `must be at least ${METRICS_TOKEN_MIN_LENGTH} characters without spaces (value hidden)`,
      '$(openssl rand -hex 32)',
    );
  }
  return { port, token };
}

function readinessFragment(env: Env): ReadinessConfig {
  return readInts(env, READINESS_NUMBERS);
}

function trustProxyFragment(env: Env): HttpConfig['trustProxy'] {
  const value = readRaw(env, 'TRUST_PROXY');
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = readList(env, 'TRUST_PROXY');
  if (entries.every((entry) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(entry))) return entries;
  throw new ConfigError(
    'TRUST_PROXY',
    `must be true, false, a hop count or a list of addresses/CIDRs (got ${JSON.stringify(value)})`,
    '10.0.0.0/8,127.0.0.1',
  );
}

export function httpFragment(env: Env, portVariable: 'PORT' | 'HEALTH_PORT', defaultPort: number): HttpConfig {
  const port = readInt(env, portVariable, { default: defaultPort, min: 0, max: 65535, example: String(defaultPort) });
  return {
    host: readRaw(env, 'HOST') ?? '0.0.0.0',
    port,
    ...readInts(env, HTTP_NUMBERS),
    trustProxy: trustProxyFragment(env),
    metrics: metricsEndpointFragment(env, portVariable, port),
    readiness: readinessFragment(env),
  };
}

export interface RedisConfig {
  url: string;
}

/**
 * REDIS_URL, required only when `neededBy` names a feature that is on. REDIS_PASSWORD (or
 * REDIS_PASSWORD_FILE) is the password of a URL written without one, so the URL itself holds
 * no secret and the password needs no URL encoding.
 */
export function redisFragment(env: Env, neededBy: string | undefined): RedisConfig | undefined {
  if (neededBy === undefined) return undefined;
  const example = 'redis://127.0.0.1:6379';
  if (readRaw(env, 'REDIS_URL') === undefined) {
    throw new ConfigError('REDIS_URL', `is required when ${neededBy}`, example);
  }
  const url = readUrl(env, 'REDIS_URL', { protocols: ['redis:', 'rediss:'], example, secret: true });
  const password = readRaw(env, 'REDIS_PASSWORD');
  if (password === undefined) return { url };
  const withPassword = new URL(url);
  if (withPassword.password !== '') {
    throw new ConfigError('REDIS_PASSWORD', 'is set and REDIS_URL holds a password too; keep only one', '(unset)');
  }
  withPassword.password = encodeURIComponent(password);
  return { url: withPassword.href.replace(/\/+$/, '') };
}

export interface GoogleConfig {
  clientId: string;
  clientSecret: string;
  authUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  apiRootUrl: string;
}

export function googleFragment(env: Env): GoogleConfig {
  return {
    clientId: requireString(env, 'GOOGLE_CLIENT_ID', { example: '1234-abc.apps.googleusercontent.com' }),
    clientSecret: requireString(env, 'GOOGLE_CLIENT_SECRET', { example: 'GOCSPX-…', secret: true }),
    authUrl: readEndpointUrl(env, 'GOOGLE_OAUTH_AUTH_URL', 'https://accounts.google.com/o/oauth2/v2/auth'),
    tokenUrl: readEndpointUrl(env, 'GOOGLE_OAUTH_TOKEN_URL', 'https://oauth2.googleapis.com/token'),
    revokeUrl: readEndpointUrl(env, 'GOOGLE_OAUTH_REVOKE_URL', 'https://oauth2.googleapis.com/revoke'),
    apiRootUrl: readEndpointUrl(env, 'GOOGLE_API_ROOT_URL', 'https://www.googleapis.com'),
  };
}

export interface PushConfig {
  vapidPublicKey: string;
  vapidPrivateKey: string;
  vapidSubject: string;
  /** PUSH_ENDPOINT_ALLOWED_HOSTS: trusted as configured, beyond the known push services. */
  endpointAllowedHosts: AllowedPushHost[];
}

function base64UrlBytes(value: string): number {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url').length : 0;
}

export function pushFragment(env: Env): PushConfig {
  const publicKey = requireString(env, 'VAPID_PUBLIC_KEY', { example: 'BNc… (nudge-admin vapid-keys)' });
  const decodedPublic = Buffer.from(publicKey, 'base64url');
  if (base64UrlBytes(publicKey) !== 65 || decodedPublic[0] !== 0x04) {
    throw new ConfigError(
      'VAPID_PUBLIC_KEY',
      'must be an uncompressed P-256 public key (65 bytes, base64url)',
      'BNc… (nudge-admin vapid-keys)',
    );
  }
  const privateKey = requireString(env, 'VAPID_PRIVATE_KEY', { example: '(nudge-admin vapid-keys)', secret: true });
  if (base64UrlBytes(privateKey) !== 32) {
    throw new ConfigError(
      'VAPID_PRIVATE_KEY',
      'must be a P-256 private key (32 bytes, base64url)',
      '(nudge-admin vapid-keys)',
    );
  }
  const subject = requireString(env, 'VAPID_SUBJECT', { example: 'mailto:ops@example.com' });
  if (!/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(subject)) {
    throw new ConfigError(
      'VAPID_SUBJECT',
      `must be a mailto: or https: URL (got ${JSON.stringify(subject)})`,
      'mailto:ops@example.com',
    );
  }
  return {
    vapidPublicKey: publicKey,
    vapidPrivateKey: privateKey,
    vapidSubject: subject,
    endpointAllowedHosts: pushEndpointAllowedHosts(env),
  };
}

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  fromNumber: string;
  apiBaseUrl: string;
}

export function twilioFragment(env: Env): TwilioConfig {
  const accountSid = requireString(env, 'TWILIO_ACCOUNT_SID', { example: 'AC0123456789abcdef0123456789abcdef' });
  if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) {
    throw new ConfigError(
      'TWILIO_ACCOUNT_SID',
      `must be "AC" followed by 32 hex digits (got ${JSON.stringify(accountSid)})`,
      'AC0123456789abcdef0123456789abcdef',
    );
  }
  const fromNumber = requireString(env, 'TWILIO_FROM_NUMBER', { example: '+15005550006' });
  if (!isE164(fromNumber)) {
    throw new ConfigError('TWILIO_FROM_NUMBER', 'must be an E.164 phone number', '+15005550006');
  }
  return {
    accountSid,
    authToken: requireString(env, 'TWILIO_AUTH_TOKEN', { example: '(from the Twilio console)', secret: true }),
    fromNumber,
    apiBaseUrl: readUrl(env, 'TWILIO_API_BASE_URL', {
      protocols: ['https:', 'http:'],
      default: 'https://api.twilio.com',
      example: 'https://api.twilio.com',
    }),
  };
}

/** Phone number verification: Twilio places the call (or sends the text) that carries the code. */
export interface PhoneVerificationConfig {
  twilio: TwilioConfig;
  /** Where Twilio fetches the verification call's TwiML (the calls role). */
  callsPublicUrl: string;
  /** `call` reads the code out; `sms` texts it (TWILIO_VERIFY_CHANNEL). */
  channel: 'call' | 'sms';
}

export function phoneVerificationFragment(
  env: Env,
  twilio: TwilioConfig,
  callsPublicUrl: string,
): PhoneVerificationConfig {
  return { twilio, callsPublicUrl, channel: readEnum(env, 'TWILIO_VERIFY_CHANNEL', ['call', 'sms'] as const, 'call') };
}

export function publicUrlFragment(env: Env, name: 'PUBLIC_BASE_URL' | 'CALLS_PUBLIC_URL', why?: string): string {
  const example = name === 'PUBLIC_BASE_URL' ? 'https://nudge.example.com' : 'https://calls.nudge.example.com';
  if (why !== undefined && readRaw(env, name) === undefined) {
    throw new ConfigError(name, `is required when ${why}`, example);
  }
  return readUrl(env, name, { protocols: ['https:', 'http:'], example });
}

export function credentialsKeyFragment(env: Env): Buffer {
  return readKeyBytes(env, 'CREDENTIALS_ENCRYPTION_KEY', {
    bytes: 32,
    example: '$(openssl rand -base64 32)',
    secret: true,
  });
}

export interface ProcessConfig {
  instanceId: string;
  version: string;
  shutdownTimeoutMs: number;
  heartbeatIntervalMs: number;
}

export function processFragment(env: Env): ProcessConfig {
  return {
    instanceId: readRaw(env, 'INSTANCE_ID') ?? `${hostname()}-${process.pid}`,
    version: readRaw(env, 'NUDGE_VERSION') ?? 'dev',
    ...readInts(env, PROCESS_NUMBERS),
  };
}

export interface CalendarSyncConfig {
  /** Users synced in parallel per tick. */
  concurrency: number;
  /** How far ahead meetings are read. */
  horizonDays: number;
  /** One user's whole sync (every page, retries included) is abandoned after this. */
  userTimeoutMs: number;
}

export function calendarSyncFragment(env: Env): CalendarSyncConfig {
  return readInts(env, CALENDAR_SYNC_NUMBERS);
}

export interface DispatchConfig {
  /** Alerts claimed per transaction. */
  batchSize: number;
  /** Push sends in flight at once. */
  concurrency: number;
  /** A delivery left `processing` this long belonged to a dispatcher that died; another one resends it. */
  staleProcessingMs: number;
  /** Push sends of one user in flight at once: one user's slow endpoints cannot fill the pool. */
  perUserConcurrency: number;
  /** One push request's limit; an endpoint that times out is quarantined. */
  sendTimeoutMs: number;
}

export function dispatchFragment(env: Env): DispatchConfig {
  return readInts(env, DISPATCH_NUMBERS);
}

/** The most active push subscriptions one user keeps; registering one more replaces the oldest. */
export function pushSubscriptionLimitFragment(env: Env): number {
  return readInts(env, PUSH_SUBSCRIPTION_NUMBERS).maxPerUser;
}

/** Browser origins allowed to call the API cross-origin (CORS); none by default. */
export function corsOriginsFragment(env: Env): string[] {
  return readList(env, 'CORS_ORIGINS').map((origin) => {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(
        'CORS_ORIGINS',
        `has an entry that is not an origin (got ${JSON.stringify(origin)})`,
        'https://app.example.com',
      );
    }
    if (url.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError(
        'CORS_ORIGINS',
        `entries must be bare origins without a path (got ${JSON.stringify(origin)})`,
        'https://app.example.com',
      );
    }
    return url.origin;
  });
}

export interface RateLimitConfig {
  /** Requests per minute per API token. */
  perToken: number;
  /** Requests per minute per client address on unauthenticated routes. */
  perAddress: number;
  /** Requests per minute for all of one organisation's tokens together. */
  perOrg: number;
}

export function rateLimitFragment(env: Env): RateLimitConfig {
  return readInts(env, RATE_LIMIT_NUMBERS);
}

export interface WebhookLimitsConfig {
  /** Requests per minute per client address on Twilio's webhooks; /health and /metrics are not counted. */
  perAddressPerMinute: number;
}

export function webhookLimitsFragment(env: Env): WebhookLimitsConfig {
  return readInts(env, WEBHOOK_LIMIT_NUMBERS);
}

export interface OpsConfig {
  /** Errors go to Sentry when set; nothing about Sentry loads otherwise. */
  sentryDsn: string | undefined;
  sentryEnvironment: string;
  /** Critical conditions post to this Slack incoming webhook when set. */
  slackWebhookUrl: string | undefined;
}

export function opsFragment(env: Env): OpsConfig {
  const dsn = readRaw(env, 'SENTRY_DSN');
  const slack = readRaw(env, 'OPS_SLACK_WEBHOOK_URL');
  return {
    sentryDsn:
      dsn === undefined
        ? undefined
        : readUrl(env, 'SENTRY_DSN', {
            protocols: ['https:', 'http:'],
            example: 'https://public@o0.ingest.sentry.io/0',
            secret: true,
          }),
    sentryEnvironment: readRaw(env, 'SENTRY_ENVIRONMENT') ?? 'production',
    slackWebhookUrl:
      slack === undefined
        ? undefined
        : readUrl(env, 'OPS_SLACK_WEBHOOK_URL', {
            protocols: ['https:', 'http:'],
            example: 'https://hooks.slack.com/services/T000/B000/XXXX',
            secret: true,
          }),
  };
}

export interface EscalationConfig {
  /** Escalation jobs the worker runs at once (each a database round trip and a Twilio request). */
  concurrency: number;
  /** How often Postgres is compared with the queue, re-creating jobs Redis lost. */
  reconcileIntervalMs: number;
  /** How long a call rings before Twilio reports no-answer. */
  ringTimeoutSeconds: number;
  /** One Twilio REST request's limit; also how long an unrecorded attempt is left to its caller. */
  twilioRequestTimeoutMs: number;
  /** How long the Twilio circuit stays open before one request probes it. */
  breakerHalfOpenMs: number;
}

export function escalationFragment(env: Env): EscalationConfig {
  return readInts(env, ESCALATION_NUMBERS);
}
