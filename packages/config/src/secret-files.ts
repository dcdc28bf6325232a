import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';
import type { Env } from './env-reader.js';

/**
 * The variables that hold secrets. Each may instead be given as NAME_FILE, the path of a file
 * holding the value (Docker and Swarm secrets, Kubernetes secret volumes), so the secret is
 * never in the container's environment.
 */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_PASSWORD',
  'GOOGLE_CLIENT_SECRET',
  'VAPID_PRIVATE_KEY',
  'CREDENTIALS_ENCRYPTION_KEY',
  'TWILIO_AUTH_TOKEN',
  'METRICS_TOKEN',
  'SMTP_URL',
  'SENTRY_DSN',
  'OPS_SLACK_WEBHOOK_URL',
] as const;

/**
 * The environment with every NAME_FILE of a secret variable replaced by NAME, read from the
 * file (one trailing newline trimmed, as `echo` and editors leave one). Runs before any
 * validation. Both NAME and NAME_FILE set, or a file that cannot be read, is a ConfigError that
 * names the variable and the path, never the content. Empty values count as unset, as
 * everywhere in the configuration.
 */
export function resolveSecretFiles(env: Env, read: (path: string) => string = readSecretFile): Env {
  const resolved: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_VARIABLES) {
    const fileVariable = `${name}_FILE`;
    const path = env[fileVariable]?.trim();
    delete resolved[fileVariable];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name].trim() !== '') {
      throw new ConfigError(
        name,
        `and ${fileVariable} are both set; set only one of them`,
        `(unset) with ${fileVariable}=${path}`,
      );
    }
    let content: string;
    try {
      content = read(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(
        fileVariable,
        `names a file that cannot be read: ${path} (${code})`,
        '/run/secrets/' + name.toLowerCase(),
      );
    }
    resolved[name] = content.replace(/\r?\n$/, '');
  }
  return resolved;
}

function readSecretFile(path: string): string {
  return readFileSync(path, 'utf8');
}
