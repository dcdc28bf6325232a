import { describe, expect, it } from '@jest/globals';
import { VALID_CONFIG_ENV as good } from '@nudge/testkit';
import { checkConfig } from './config-check.js';
import { ConfigError } from './config-error.js';
import type { Env } from './env-reader.js';
import { parseApiConfig, parseCallsConfig, parseWorkerConfig } from './roles.js';

const variables = (env: Record<string, string>, parse: (env: Env) => unknown = parseApiConfig) =>
  checkConfig(parse, env).problems.map((problem) => problem.variable);

describe('checkConfig', () => {
  it('finds nothing wrong with a complete environment', () => {
    expect(checkConfig(parseApiConfig, good)).toEqual({ problems: [], complete: true });
    expect(checkConfig(parseCallsConfig, good)).toEqual({ problems: [], complete: true });
    expect(checkConfig(parseWorkerConfig, good)).toEqual({ problems: [], complete: true });
  });

  it('names every bad variable, not only the first', () => {
    const check = checkConfig(parseApiConfig, {
      ...good,
      LOG_LEVEL: 'loud',
      VAPID_PUBLIC_KEY: 'not-a-key',
      VAPID_PRIVATE_KEY: 'short',
      CREDENTIALS_ENCRYPTION_KEY: 'c2hvcnQ=',
      METRICS_TOKEN: 'too short',
      SESSION_ABSOLUTE_HOURS: 'forever',
    });
    expect(check.complete).toBe(true);
    expect(check.problems.map((p) => p.variable).sort()).toEqual(
      [
        'CREDENTIALS_ENCRYPTION_KEY',
        'LOG_LEVEL',
        'METRICS_TOKEN',
        'SESSION_ABSOLUTE_HOURS',
        'VAPID_PRIVATE_KEY',
        'VAPID_PUBLIC_KEY',
      ].sort(),
    );
    // The messages are the start-up ones: what is wrong and an example; secrets are not echoed.
    const messages = check.problems.map((p) => p.message).join('\n');
    expect(messages).toMatch(/VAPID_PUBLIC_KEY must be an uncompressed P-256 public key/);
    expect(messages).not.toMatch(/too short/);
  });

  it('names every required variable of each role when the environment is empty', () => {
    expect(variables({}).sort()).toEqual(
      [
        'CREDENTIALS_ENCRYPTION_KEY',
        'DATABASE_URL',
        'GOOGLE_CLIENT_ID',
        'GOOGLE_CLIENT_SECRET',
        'PUBLIC_BASE_URL',
        'VAPID_PRIVATE_KEY',
        'VAPID_PUBLIC_KEY',
        'VAPID_SUBJECT',
      ].sort(),
    );
    expect(variables({}, parseCallsConfig)).toEqual(['DATABASE_URL']);
    expect(variables({ FEATURE_ESCALATION_ENABLED: 'true' }, parseWorkerConfig)).toEqual(
      expect.arrayContaining(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'CALLS_PUBLIC_URL', 'REDIS_URL']),
    );
  });

  it('says when a variable stays bad even with a stand-in, instead of looping', () => {
    const check = checkConfig(() => {
      throw new ConfigError('ALWAYS_BAD', 'is never right', 'x');
    }, good);
    expect(check.complete).toBe(false);
    expect(check.problems.map((p) => p.message)).toEqual(['ALWAYS_BAD is never right; example: ALWAYS_BAD=x']);
  });

  it('lets an error that is not about configuration through', () => {
    expect(() =>
      checkConfig(() => {
        throw new TypeError('a bug');
      }, good),
    ).toThrow(TypeError);
  });
});
