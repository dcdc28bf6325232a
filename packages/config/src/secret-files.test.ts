import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { configErrorOf, REPO_ROOT, VALID_CONFIG_ENV } from '@nudge/testkit';
import { parseApiConfig, parseWorkerConfig } from './roles.js';
import { resolveSecretFiles, SECRET_VARIABLES } from './secret-files.js';

const dir = mkdtempSync(join(tmpdir(), 'nudge-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A secret file as Docker or Swarm mounts one. */
function secretFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

const { DATABASE_URL: _fromEachTest, ...base } = VALID_CONFIG_ENV;
const DATABASE_URL = 'postgres://nudge:db-file-pass@db.internal:5432/nudge';

function repoFile(file: string): string {
  return readFileSync(join(REPO_ROOT, file), 'utf8');
}

/** The variable names a comment lists after `intro`, up to the `…` that ends the list. */
function namesListed(text: string, intro: string): string[] {
  const prose = text.replace(/\n#\s*/g, ' ');
  const start = prose.indexOf(intro);
  if (start === -1) throw new Error(`no list after "${intro}"`);
  const list = prose.slice(start + intro.length, prose.indexOf('…', start));
  return list.match(/\b[A-Z][A-Z0-9_]+\b/g) ?? [];
}

const SECRETS = new Set<string>(SECRET_VARIABLES);

describe('secrets from files (NAME_FILE)', () => {
  it('reads DATABASE_URL_FILE with its trailing newline trimmed, as the role parsers see it', () => {
    const api = parseApiConfig({ ...base, DATABASE_URL_FILE: secretFile('database_url', `${DATABASE_URL}\n`) });
    expect(api.db.url.url).toBe(DATABASE_URL);
  });

  it('reads every secret of a role from files', () => {
    const files = {
      DATABASE_URL_FILE: secretFile('db', DATABASE_URL),
      GOOGLE_CLIENT_SECRET_FILE: secretFile('google', 'google-from-file\n'),
      VAPID_PRIVATE_KEY_FILE: secretFile('vapid', `${base.VAPID_PRIVATE_KEY}\n`),
      CREDENTIALS_ENCRYPTION_KEY_FILE: secretFile('key', `${base.CREDENTIALS_ENCRYPTION_KEY}\r\n`),
      METRICS_TOKEN_FILE: secretFile('metrics', 'metrics-token-from-file-0123\n'),
    };
    const fromFiles = new Set(['GOOGLE_CLIENT_SECRET', 'VAPID_PRIVATE_KEY', 'CREDENTIALS_ENCRYPTION_KEY']);
    const rest = Object.fromEntries(Object.entries(base).filter(([name]) => !fromFiles.has(name)));
    const worker = parseWorkerConfig({ ...rest, ...files });
    expect(worker.google?.clientSecret).toBe('google-from-file');
    expect(worker.credentialsKey?.equals(Buffer.from(base.CREDENTIALS_ENCRYPTION_KEY, 'base64'))).toBe(true);
    expect(worker.push?.vapidPrivateKey).toBe(base.VAPID_PRIVATE_KEY);
    expect(worker.http.metrics.token).toBe('metrics-token-from-file-0123');
  });

  it('keeps only the last newline: a value may itself end in whitespace the file holds on purpose', () => {
    const env = resolveSecretFiles({ TWILIO_AUTH_TOKEN_FILE: secretFile('twilio', 'token\n\n') });
    expect(env.TWILIO_AUTH_TOKEN).toBe('token\n');
    expect(env.TWILIO_AUTH_TOKEN_FILE).toBeUndefined();
  });

  it('refuses NAME and NAME_FILE both set, naming both', () => {
    const err = configErrorOf(() =>
      parseApiConfig({ ...base, DATABASE_URL, DATABASE_URL_FILE: secretFile('both', DATABASE_URL) }),
    );
    expect(err.variable).toBe('DATABASE_URL');
    expect(err.message).toMatch(/^DATABASE_URL and DATABASE_URL_FILE are both set; set only one of them/);
  });

  it('names the variable and the path of a file that cannot be read, never its content', () => {
    const missing = join(dir, 'no-such-secret');
    const err = configErrorOf(() => parseApiConfig({ ...base, DATABASE_URL_FILE: missing }));
    expect(err.variable).toBe('DATABASE_URL_FILE');
    expect(err.message).toContain(`DATABASE_URL_FILE names a file that cannot be read: ${missing} (ENOENT)`);

    const folder = configErrorOf(() => resolveSecretFiles({ SMTP_URL_FILE: dir }));
    expect(folder.message).toContain(`SMTP_URL_FILE names a file that cannot be read: ${dir} (EISDIR)`);
  });

  it('never echoes a bad value read from a file', () => {
    const err = configErrorOf(() =>
      parseApiConfig({ ...base, DATABASE_URL, METRICS_TOKEN_FILE: secretFile('short', 'short secret\n') }),
    );
    expect(err.variable).toBe('METRICS_TOKEN');
    expect(err.message).toContain('(value hidden)');
    expect(err.message).not.toContain('short secret');
  });

  it('treats an empty NAME_FILE as unset and leaves other variables alone', () => {
    const env = resolveSecretFiles({ DATABASE_URL, DATABASE_URL_FILE: '', LOG_LEVEL: 'debug', PORT_FILE: '/x' });
    expect(env).toEqual({ DATABASE_URL, LOG_LEVEL: 'debug', PORT_FILE: '/x' });
  });

  it('reads every NAME_FILE the compose files pass to the roles', () => {
    const composeFiles = readdirSync(REPO_ROOT).filter((file) => /^docker-compose\..*\.yml$/.test(file));
    const passed = composeFiles.flatMap((file) =>
      [...repoFile(file).matchAll(/^\s+([A-Z][A-Z0-9_]*)_FILE:/gm)].map((match) => match[1]!),
    );
    expect(passed).toContain('DATABASE_URL');
    expect(passed.filter((name) => !SECRETS.has(name))).toEqual([]);
  });

  it('reads from a file every secret that .env.prod.example and docker-compose.prod.yml say can come from one', () => {
    const documented = [
      ...namesListed(repoFile('.env.prod.example'), 'NAME_FILE=/run/secrets/name for '),
      ...namesListed(repoFile('docker-compose.prod.yml'), 'every secret variable ('),
    ];
    expect(documented).toContain('REDIS_PASSWORD');
    expect(documented.filter((name) => !SECRETS.has(name))).toEqual([]);
  });
});

describe('REDIS_PASSWORD', () => {
  const redisEnv = { ...base, DATABASE_URL, RATE_LIMIT_STORE: 'redis', REDIS_URL: 'redis://redis:6379' };

  it('is the password of a REDIS_URL written without one, URL-encoded', () => {
    const api = parseApiConfig({ ...redisEnv, REDIS_PASSWORD: 'p@ss:w/rd' });
    expect(api.redis?.url).toBe('redis://:p%40ss%3Aw%2Frd@redis:6379');
    expect(decodeURIComponent(new URL(api.redis!.url).password)).toBe('p@ss:w/rd');
  });

  it('can come from REDIS_PASSWORD_FILE', () => {
    const api = parseApiConfig({ ...redisEnv, REDIS_PASSWORD_FILE: secretFile('redis', 'from-file\n') });
    expect(api.redis?.url).toBe('redis://:from-file@redis:6379');
  });

  it('leaves REDIS_URL as it is when unset', () => {
    expect(parseApiConfig(redisEnv).redis?.url).toBe('redis://redis:6379');
  });

  it('refuses a REDIS_URL that holds a password as well, without echoing either', () => {
    const err = configErrorOf(() =>
      parseApiConfig({ ...redisEnv, REDIS_URL: 'redis://:url-pass@redis:6379', REDIS_PASSWORD: 'var-pass' }),
    );
    expect(err.variable).toBe('REDIS_PASSWORD');
    expect(err.message).not.toMatch(/url-pass|var-pass/);
  });
});
