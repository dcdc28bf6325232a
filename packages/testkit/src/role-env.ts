import { randomBytes } from 'node:crypto';
import { generateVapidKeys } from '@nudge/domain';

/** A fresh VAPID key pair (P-256, base64url), as `nudge-admin vapid-keys` prints it. */
export function vapidKeyPair(): { publicKey: string; privateKey: string } {
  return generateVapidKeys();
}

/**
 * A complete, valid environment for a role against `databaseUrl`: every feature's required
 * settings present with local values, escalation off. Tests override what they test.
 */
export function roleEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  const vapid = vapidKeyPair();
  return {
    DATABASE_URL: databaseUrl,
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    GOOGLE_CLIENT_ID: 'nudge-test.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'test-google-secret',
    CREDENTIALS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: 'mailto:ops@example.com',
    // Push emulators listen on loopback ports chosen at start; this spelling of it is trusted.
    PUSH_ENDPOINT_ALLOWED_HOSTS: '127.0.0.1',
    SHUTDOWN_TIMEOUT_MS: '5000',
    // Many role processes run at once in a test run; the server's max_connections is shared.
    DB_POOL_MAX: '4',
    ...overrides,
  };
}

/** The settings escalation needs, pointing at local addresses. */
export function escalationEnv(redisUrl: string) {
  return {
    FEATURE_ESCALATION_ENABLED: 'true',
    REDIS_URL: redisUrl,
    CALLS_PUBLIC_URL: 'http://127.0.0.1:3001',
    TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
    TWILIO_AUTH_TOKEN: 'test-twilio-token',
    TWILIO_FROM_NUMBER: '+15005550006',
  };
}
