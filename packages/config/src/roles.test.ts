import { describe, expect, it } from '@jest/globals';
import { VALID_CONFIG_ENV as base, configErrorOf, escalationEnv } from '@nudge/testkit';
import { parseApiConfig, parseCallsConfig, parseWorkerConfig } from './roles.js';

const escalation = escalationEnv('redis://127.0.0.1:6379');

describe('role configuration', () => {
  it('applies the documented defaults', () => {
    const api = parseApiConfig(base);
    expect(api.http.port).toBe(3000);
    expect(api.runMigrationsOnStart).toBe(false);
    expect(api.flags).toEqual({ schedulers: false, calendar: true, alerts: true, escalation: false, checkin: true });
    expect(api.process.shutdownTimeoutMs).toBe(10_000);
    expect(api.log.level).toBe('info');
    expect(parseCallsConfig(base).http.port).toBe(3001);
    const worker = parseWorkerConfig(base);
    expect(worker.http.port).toBe(3002);
    expect(worker.calendarSyncConcurrency).toBe(8);
    expect(worker.calendarSync).toEqual({ concurrency: 8, horizonDays: 14, userTimeoutMs: 30_000 });
    expect(worker.google?.revokeUrl).toBe('https://oauth2.googleapis.com/revoke');
    expect(worker.process.heartbeatIntervalMs).toBe(15_000);
    expect(worker.scheduler).toEqual({ leaseTimeoutMs: 60_000, tickIntervalMs: 1_000 });
  });

  it('limits push subscriptions per user, sends per user and the push timeout, with defaults of 10, 4 and 3 s', () => {
    expect(parseApiConfig(base).pushMaxSubscriptionsPerUser).toBe(10);
    expect(parseApiConfig({ ...base, PUSH_MAX_SUBSCRIPTIONS_PER_USER: '3' }).pushMaxSubscriptionsPerUser).toBe(3);
    expect(parseWorkerConfig(base).dispatch).toMatchObject({ perUserConcurrency: 4, sendTimeoutMs: 3_000 });
    expect(
      parseWorkerConfig({ ...base, DISPATCH_CONCURRENCY_PER_USER: '2', PUSH_SEND_TIMEOUT_MS: '1500' }).dispatch,
    ).toMatchObject({ perUserConcurrency: 2, sendTimeoutMs: 1_500 });
    expect(configErrorOf(() => parseApiConfig({ ...base, PUSH_MAX_SUBSCRIPTIONS_PER_USER: '0' })).message).toMatch(
      /PUSH_MAX_SUBSCRIPTIONS_PER_USER must be a whole number/,
    );
    expect(configErrorOf(() => parseWorkerConfig({ ...base, PUSH_SEND_TIMEOUT_MS: '3s' })).message).toMatch(
      /PUSH_SEND_TIMEOUT_MS must be a whole number/,
    );
  });

  it('reads the scheduler lease timeout and rejects a useless one', () => {
    expect(parseWorkerConfig({ ...base, LEASE_TIMEOUT_MS: '1500' }).scheduler.leaseTimeoutMs).toBe(1_500);
    expect(() => parseWorkerConfig({ ...base, LEASE_TIMEOUT_MS: '10' })).toThrow(
      /LEASE_TIMEOUT_MS must be a whole number/,
    );
  });

  it('rejects a calendar horizon outside 1 to 365 days', () => {
    expect(() => parseWorkerConfig({ ...base, CALENDAR_SYNC_HORIZON_DAYS: '0' })).toThrow(/CALENDAR_SYNC_HORIZON_DAYS/);
    expect(parseWorkerConfig({ ...base, CALENDAR_SYNC_HORIZON_DAYS: '30' }).calendarSync.horizonDays).toBe(30);
  });

  it('does not require REDIS_URL or Twilio settings while escalation is off', () => {
    const worker = parseWorkerConfig({ ...base, REDIS_URL: '' });
    expect(worker.redis).toBeUndefined();
    expect(worker.twilio).toBeUndefined();
    expect(parseCallsConfig(base).twilio).toBeUndefined();
  });

  it('requires REDIS_URL, Twilio and CALLS_PUBLIC_URL when escalation is on', () => {
    const { REDIS_URL: _r, ...noRedis } = escalation;
    expect(configErrorOf(() => parseWorkerConfig({ ...base, ...noRedis })).message).toMatch(
      /^REDIS_URL is required when FEATURE_ESCALATION_ENABLED=true; example: REDIS_URL=redis:/,
    );
    const { TWILIO_AUTH_TOKEN: _t, ...noToken } = escalation;
    expect(configErrorOf(() => parseWorkerConfig({ ...base, ...noToken })).variable).toBe('TWILIO_AUTH_TOKEN');
    const { CALLS_PUBLIC_URL: _c, ...noCallsUrl } = escalation;
    expect(configErrorOf(() => parseCallsConfig({ ...base, ...noCallsUrl })).variable).toBe('CALLS_PUBLIC_URL');
    const worker = parseWorkerConfig({ ...base, ...escalation });
    expect(worker.redis?.url).toBe('redis://127.0.0.1:6379');
    expect(worker.twilio?.apiBaseUrl).toBe('https://api.twilio.com');
    expect(worker.escalation).toEqual({
      concurrency: 32,
      reconcileIntervalMs: 5_000,
      ringTimeoutSeconds: 25,
      twilioRequestTimeoutMs: 10_000,
      breakerHalfOpenMs: 30_000,
    });
  });

  it('validates the escalation settings only when escalation is on', () => {
    expect(parseWorkerConfig({ ...base, ESCALATION_CONCURRENCY: '0' }).escalation).toBeUndefined();
    expect(
      configErrorOf(() => parseWorkerConfig({ ...base, ...escalation, ESCALATION_CONCURRENCY: '0' })).variable,
    ).toBe('ESCALATION_CONCURRENCY');
    expect(
      configErrorOf(() => parseWorkerConfig({ ...base, ...escalation, CALL_RING_TIMEOUT_SECONDS: 'soon' })).variable,
    ).toBe('CALL_RING_TIMEOUT_SECONDS');
  });

  it('gives the api Twilio for phone verification only with escalation on, by call unless TWILIO_VERIFY_CHANNEL=sms', () => {
    expect(parseApiConfig(base).phoneVerification).toBeUndefined();
    const apiEscalation = { ...escalation };
    expect(parseApiConfig({ ...base, ...apiEscalation }).phoneVerification).toMatchObject({
      channel: 'call',
      callsPublicUrl: 'http://127.0.0.1:3001',
      twilio: { fromNumber: '+15005550006' },
    });
    expect(parseApiConfig({ ...base, ...apiEscalation, TWILIO_VERIFY_CHANNEL: 'sms' }).phoneVerification?.channel).toBe(
      'sms',
    );
    expect(
      configErrorOf(() => parseApiConfig({ ...base, ...apiEscalation, TWILIO_VERIFY_CHANNEL: 'pigeon' })).variable,
    ).toBe('TWILIO_VERIFY_CHANNEL');
    const { TWILIO_AUTH_TOKEN: _missing, ...noToken } = apiEscalation;
    expect(configErrorOf(() => parseApiConfig({ ...base, ...noToken })).variable).toBe('TWILIO_AUTH_TOKEN');
    const { CALLS_PUBLIC_URL: _none, ...noCallsUrl } = apiEscalation;
    expect(configErrorOf(() => parseApiConfig({ ...base, ...noCallsUrl })).variable).toBe('CALLS_PUBLIC_URL');
  });

  it('requires REDIS_URL on the api only with RATE_LIMIT_STORE=redis or the Google quota in Redis', () => {
    expect(parseApiConfig(base).redis).toBeUndefined();
    expect(configErrorOf(() => parseApiConfig({ ...base, RATE_LIMIT_STORE: 'redis' })).message).toContain(
      'REDIS_URL is required when RATE_LIMIT_STORE=redis',
    );
    const { REDIS_URL: _none, ...noRedis } = escalation;
    expect(configErrorOf(() => parseApiConfig({ ...base, ...noRedis })).message).toContain(
      'REDIS_URL is required when the Google quota is kept in Redis',
    );
    expect(parseApiConfig({ ...base, ...escalation }).googleQuota?.store).toBe('redis');
    expect(parseApiConfig({ ...base, ...noRedis, GOOGLE_QUOTA_STORE: 'postgres' }).googleQuota?.store).toBe('postgres');
  });

  it('needs Google settings and the encryption key only with the calendar feature', () => {
    const { GOOGLE_CLIENT_ID: _g, CREDENTIALS_ENCRYPTION_KEY: _k, ...noGoogle } = base;
    expect(configErrorOf(() => parseApiConfig(noGoogle)).variable).toBe('GOOGLE_CLIENT_ID');
    const api = parseApiConfig({ ...noGoogle, FEATURE_CALENDAR_ENABLED: 'false' });
    expect(api.google).toBeUndefined();
    expect(api.credentialsKey).toBeUndefined();
  });

  it('needs VAPID keys only with the alerts feature and checks their shape', () => {
    const { VAPID_PUBLIC_KEY: _v, ...noVapid } = base;
    expect(configErrorOf(() => parseWorkerConfig(noVapid)).variable).toBe('VAPID_PUBLIC_KEY');
    expect(parseWorkerConfig({ ...noVapid, FEATURE_ALERTS_ENABLED: 'false' }).push).toBeUndefined();
    expect(configErrorOf(() => parseApiConfig({ ...base, VAPID_PUBLIC_KEY: 'abc' })).problem).toContain('65 bytes');
  });

  it('reads sign-in, session and mail settings: Google defaults, Secure cookies only over https, idle within absolute', () => {
    const api = parseApiConfig(base);
    expect(api.googleSignIn).toEqual({
      issuer: 'https://accounts.google.com',
      certsUrl: 'https://www.googleapis.com/oauth2/v1/certs',
    });
    expect(api.sessions).toEqual({ idleMs: 7 * 24 * 3_600_000, absoluteMs: 30 * 24 * 3_600_000, secureCookies: true });
    expect(api.mail).toBeUndefined();
    expect(parseApiConfig({ ...base, PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }).sessions.secureCookies).toBe(false);
    expect(
      configErrorOf(() => parseApiConfig({ ...base, SESSION_IDLE_MINUTES: '600', SESSION_ABSOLUTE_HOURS: '2' }))
        .message,
    ).toMatch(/SESSION_IDLE_MINUTES must not exceed SESSION_ABSOLUTE_HOURS/);
    expect(parseApiConfig({ ...base, SMTP_URL: 'smtps://u:p@mail.example.com:465' }).mail).toEqual({
      smtpUrl: 'smtps://u:p@mail.example.com:465',
      from: 'Nudge <nudge@localhost>',
    });
    const smtp = configErrorOf(() => parseApiConfig({ ...base, SMTP_URL: 'https://u:secret-pass@mail.example.com' }));
    expect(smtp.message).toMatch(/SMTP_URL must start with smtp:\/\/ or smtps:\/\//);
    expect(smtp.message).not.toContain('secret-pass');
  });

  it('serves no metrics by default and checks readiness every 2 s with a 2 s budget', () => {
    for (const config of [parseApiConfig(base), parseCallsConfig(base), parseWorkerConfig(base)]) {
      expect(config.http.metrics).toEqual({ port: undefined, token: undefined });
      expect(config.http.readiness).toEqual({ intervalMs: 2_000, timeoutMs: 2_000 });
    }
  });

  it('reads METRICS_PORT and METRICS_TOKEN for every role', () => {
    const env = {
      ...base,
      METRICS_PORT: '9464',
      METRICS_TOKEN: 'a-long-enough-metrics-token',
      READINESS_INTERVAL_MS: '500',
      READINESS_TIMEOUT_MS: '300',
    };
    for (const config of [parseApiConfig(env), parseCallsConfig(env), parseWorkerConfig(env)]) {
      expect(config.http.metrics).toEqual({ port: 9464, token: 'a-long-enough-metrics-token' });
      expect(config.http.readiness).toEqual({ intervalMs: 500, timeoutMs: 300 });
    }
  });

  it('refuses a METRICS_PORT equal to the public port, naming both variables', () => {
    expect(configErrorOf(() => parseApiConfig({ ...base, PORT: '8080', METRICS_PORT: '8080' })).message).toBe(
      'METRICS_PORT must differ from PORT (both are 8080): metrics leave the public port; example: METRICS_PORT=9464',
    );
    expect(configErrorOf(() => parseWorkerConfig({ ...base, METRICS_PORT: '3002' })).message).toMatch(
      /^METRICS_PORT must differ from HEALTH_PORT \(both are 3002\)/,
    );
    expect(configErrorOf(() => parseCallsConfig({ ...base, METRICS_PORT: 'ninety' })).message).toMatch(
      /^METRICS_PORT must be a whole number from 1 to 65535 \(got "ninety"\)/,
    );
  });

  it('refuses a guessable METRICS_TOKEN without printing it', () => {
    for (const token of ['short-token', 'has spaces in the middle of it']) {
      const err = configErrorOf(() => parseCallsConfig({ ...base, METRICS_TOKEN: token }));
      expect(err.variable).toBe('METRICS_TOKEN');
      expect(err.message).toMatch(/^METRICS_TOKEN must be at least 16 characters without spaces/);
      expect(err.message).not.toContain(token);
    }
  });

  it.each([
    ['PORT', 'abc', /PORT must be a whole number from 0 to 65535 \(got "abc"\); example: PORT=3000/],
    ['PORT', '70000', /PORT must be a whole number/],
    ['ENABLE_SCHEDULERS', 'maybe', /ENABLE_SCHEDULERS must be true or false \(got "maybe"\)/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    ['PUBLIC_BASE_URL', 'nudge.example.com', /PUBLIC_BASE_URL is not an absolute URL/],
    ['PUBLIC_BASE_URL', 'ftp://nudge.example.com', /PUBLIC_BASE_URL must start with https:\/\/ or http:\/\//],
    ['CREDENTIALS_ENCRYPTION_KEY', 'c2hvcnQ=', /must be 32 bytes encoded as base64 \(decoded to 5 bytes\)/],
    ['VAPID_SUBJECT', 'ops', /VAPID_SUBJECT must be a mailto: or https: URL/],
    ['DATABASE_URL', 'mysql://root@db/nudge', /DATABASE_URL is a MySQL URL; Nudge needs PostgreSQL/],
    ['READINESS_INTERVAL_MS', '10', /READINESS_INTERVAL_MS must be a whole number from 100 to 60000/],
    ['READINESS_TIMEOUT_MS', 'soon', /READINESS_TIMEOUT_MS must be a whole number from 100 to 30000/],
  ])('rejects %s=%s with one line naming the variable and an example', (variable, value, message) => {
    const err = configErrorOf(() => parseApiConfig({ ...base, [variable]: value }));
    expect(err.variable).toBe(variable);
    expect(err.message).toMatch(message);
    expect(err.message).toContain('example:');
    expect(err.message).not.toContain('\n');
  });

  it('reads PUSH_ENDPOINT_ALLOWED_HOSTS for the api and the worker, each entry as a URL writes it', () => {
    expect(parseApiConfig(base).push?.endpointAllowedHosts).toEqual([]);
    const env = {
      ...base,
      PUSH_ENDPOINT_ALLOWED_HOSTS: ' 127.0.0.1:8443, Push.Internal.Example ,[::1]:9000,push-emulator,',
    };
    const expected = [
      { host: '127.0.0.1', port: 8443 },
      { host: 'push.internal.example', port: undefined },
      { host: '[::1]', port: 9000 },
      { host: 'push-emulator', port: undefined },
    ];
    expect(parseApiConfig(env).push?.endpointAllowedHosts).toEqual(expected);
    expect(parseWorkerConfig(env).push?.endpointAllowedHosts).toEqual(expected);
  });

  it('reads the CORS_ORIGINS and TRUST_PROXY lists with spaces and blank entries dropped', () => {
    const api = parseApiConfig({
      ...base,
      CORS_ORIGINS: ' https://app.example.com/, ,https://admin.example.com ',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,',
    });
    expect(api.corsOrigins).toEqual(['https://app.example.com', 'https://admin.example.com']);
    expect(api.http.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(parseApiConfig(base).corsOrigins).toEqual([]);
  });

  it.each([
    'https://127.0.0.1:8443',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:08443',
    'user@push.example',
    '2130706433',
    '127.1',
    '0x7f000001',
    '0177.0.0.1',
    '::1',
    '[not-ipv6]',
    'push_emulator',
    'push.example/path',
  ])('refuses the PUSH_ENDPOINT_ALLOWED_HOSTS entry %s with one line naming the variable and an example', (entry) => {
    const err = configErrorOf(() =>
      parseWorkerConfig({ ...base, PUSH_ENDPOINT_ALLOWED_HOSTS: `fcm.googleapis.com,${entry}` }),
    );
    expect(err.variable).toBe('PUSH_ENDPOINT_ALLOWED_HOSTS');
    expect(err.message).toContain(JSON.stringify(entry));
    expect(err.message).toContain('example: PUSH_ENDPOINT_ALLOWED_HOSTS=127.0.0.1:8443,push.internal.example');
    expect(err.message).not.toContain('\n');
  });

  it('never prints a secret in its error', () => {
    const secrets = [
      configErrorOf(() => parseApiConfig({ ...base, CREDENTIALS_ENCRYPTION_KEY: 'not-a-key-but-secret' })),
      configErrorOf(() => parseWorkerConfig({ ...base, ...escalation, REDIS_URL: 'http://user:redis-pass@host' })),
      configErrorOf(() => parseApiConfig({ ...base, DATABASE_URL: 'postgres://u:db-pass@host' })),
    ];
    for (const err of secrets) {
      expect(err.message).not.toMatch(/not-a-key-but-secret|redis-pass|db-pass/);
    }
  });
});

describe('the whole-number settings', () => {
  // variable, default, min, max: what the environment table declares, stated here a second time
  // on purpose so that a slip in the table (a name, a default, a bound) fails.
  const numbers: [string, number, number, number][] = [
    ['DB_POOL_MAX', 10, 1, 200],
    ['DB_CONNECT_TIMEOUT_SECONDS', 10, 1, 300],
    ['DB_STATEMENT_TIMEOUT_MS', 30_000, 100, 3_600_000],
    ['READINESS_INTERVAL_MS', 2_000, 100, 60_000],
    ['READINESS_TIMEOUT_MS', 2_000, 100, 30_000],
    ['HTTP_BODY_LIMIT_BYTES', 65_536, 1_024, 10_485_760],
    ['SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000],
    ['HEARTBEAT_INTERVAL_MS', 15_000, 100, 300_000],
    ['CALENDAR_SYNC_CONCURRENCY', 8, 1, 256],
    ['CALENDAR_SYNC_HORIZON_DAYS', 14, 1, 365],
    ['CALENDAR_SYNC_USER_TIMEOUT_MS', 30_000, 100, 600_000],
    ['DISPATCH_BATCH_SIZE', 200, 1, 5_000],
    ['DISPATCH_CONCURRENCY', 64, 1, 1_024],
    ['PUSH_STALE_PROCESSING_MS', 120_000, 1_000, 3_600_000],
    ['DISPATCH_CONCURRENCY_PER_USER', 4, 1, 1_024],
    ['PUSH_SEND_TIMEOUT_MS', 3_000, 100, 60_000],
    ['ESCALATION_CONCURRENCY', 32, 1, 1_024],
    ['ESCALATION_RECONCILE_INTERVAL_MS', 5_000, 100, 300_000],
    ['CALL_RING_TIMEOUT_SECONDS', 25, 5, 120],
    ['TWILIO_REQUEST_TIMEOUT_MS', 10_000, 500, 120_000],
    ['TWILIO_BREAKER_HALF_OPEN_MS', 30_000, 100, 3_600_000],
    ['LEASE_TIMEOUT_MS', 60_000, 300, 3_600_000],
    ['SCHEDULER_TICK_INTERVAL_MS', 1_000, 10, 60_000],
  ];
  const worker = { ...base, ...escalation };

  it.each(numbers)(
    '%s outside its range names the range and the default as the example',
    (name, fallback, min, max) => {
      for (const bad of [String(min - 1), String(max + 1)]) {
        expect(configErrorOf(() => parseWorkerConfig({ ...worker, [name]: bad })).message).toBe(
          `${name} must be a whole number from ${min} to ${max} (got "${bad}"); example: ${name}=${fallback}`,
        );
      }
      expect(() => parseWorkerConfig({ ...worker, [name]: String(min) })).not.toThrow();
      expect(() => parseWorkerConfig({ ...worker, [name]: String(max) })).not.toThrow();
    },
  );

  it('the defaults apply when nothing is set', () => {
    const config = parseWorkerConfig(worker);
    expect(config.db).toMatchObject({ poolMax: 10, connectTimeoutSeconds: 10, statementTimeoutMs: 30_000 });
    expect(config.dispatch).toEqual({
      batchSize: 200,
      concurrency: 64,
      staleProcessingMs: 120_000,
      perUserConcurrency: 4,
      sendTimeoutMs: 3_000,
    });
    expect(config.escalation).toMatchObject({
      concurrency: 32,
      reconcileIntervalMs: 5_000,
      ringTimeoutSeconds: 25,
      twilioRequestTimeoutMs: 10_000,
      breakerHalfOpenMs: 30_000,
    });
    expect(config.scheduler).toEqual({ leaseTimeoutMs: 60_000, tickIntervalMs: 1_000 });
    expect(parseApiConfig(base).rateLimit).toEqual({ perToken: 600, perAddress: 120, perOrg: 6_000 });
    expect(parseApiConfig(base).pushMaxSubscriptionsPerUser).toBe(10);
    expect(parseCallsConfig(worker).webhookLimits).toEqual({ perAddressPerMinute: 600 });
  });

  it.each([
    ['RATE_LIMIT_PER_TOKEN_PER_MINUTE', 600, 1, 1_000_000],
    ['RATE_LIMIT_PER_ADDRESS_PER_MINUTE', 120, 1, 1_000_000],
    ['RATE_LIMIT_PER_ORG_PER_MINUTE', 6_000, 1, 10_000_000],
    ['PUSH_MAX_SUBSCRIPTIONS_PER_USER', 10, 1, 1_000],
  ] as [string, number, number, number][])(
    'api: %s outside its range names the range and the default',
    (name, fallback, min, max) => {
      expect(configErrorOf(() => parseApiConfig({ ...base, [name]: String(max + 1) })).message).toBe(
        `${name} must be a whole number from ${min} to ${max} (got "${max + 1}"); example: ${name}=${fallback}`,
      );
    },
  );
});
