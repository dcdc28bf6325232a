import { ConfigError } from '@nudge/config';

/**
 * A complete, valid environment for the configuration parsers, with fixed values a test can
 * name: every feature's required settings, escalation off. The VAPID public key has the right
 * shape but is no real key pair, so a role cannot push with it (roleEnv makes one that can).
 */
export const VALID_CONFIG_ENV = Object.freeze({
  DATABASE_URL: 'postgres://nudge:hunter2@127.0.0.1:5432/nudge',
  PUBLIC_BASE_URL: 'https://nudge.example.com',
  GOOGLE_CLIENT_ID: 'client-id',
  GOOGLE_CLIENT_SECRET: 'google-secret-value',
  CREDENTIALS_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  VAPID_PUBLIC_KEY: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url'),
  VAPID_PRIVATE_KEY: Buffer.alloc(32, 9).toString('base64url'),
  VAPID_SUBJECT: 'mailto:ops@example.com',
});

/** The ConfigError that `parse` throws; any other outcome fails the test. */
export function configErrorOf(parse: () => unknown): ConfigError {
  try {
    parse();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
