import { describe, expect, it } from '@jest/globals';
import { roleEnv, RoleProcess, type RoleName } from '@nudge/testkit';
import { useTestDatabase } from '@nudge/testkit/jest';

/** A role with a bad environment stops at once: exit code 1 and one line an operator can act on. */
describe('start-up with a bad environment', () => {
  const db = useTestDatabase();

  async function startAndFail(role: RoleName, env: Record<string, string>) {
    const process = RoleProcess.start(role, env);
    const { code } = await process.exited;
    return { code, lines: process.lines, raw: process.rawOutput, output: process.output() };
  }

  it.each([
    ['api', { PORT: 'abc' }, 'PORT', /^PORT must be a whole number from 0 to 65535 \(got "abc"\); example: PORT=3000$/],
    [
      'worker',
      { FEATURE_ESCALATION_ENABLED: 'true' },
      'REDIS_URL',
      /^REDIS_URL is required when FEATURE_ESCALATION_ENABLED=true/,
    ],
    [
      'calls',
      { DATABASE_URL: 'sqlite:///var/lib/nudge.db' },
      'DATABASE_URL',
      /DATABASE_URL is a SQLite URL; Nudge needs PostgreSQL/,
    ],
    ['api', { DATABASE_URL: '' }, 'DATABASE_URL', /^DATABASE_URL is empty; example: DATABASE_URL=postgres:\/\//],
    ['worker', { VAPID_SUBJECT: 'nobody' }, 'VAPID_SUBJECT', /VAPID_SUBJECT must be a mailto: or https: URL/],
    [
      'worker',
      { METRICS_PORT: '3002' },
      'METRICS_PORT',
      /^METRICS_PORT must differ from HEALTH_PORT \(both are 3002\): metrics leave the public port; example: METRICS_PORT=9464$/,
    ],
    [
      'calls',
      { METRICS_TOKEN: 'guessable' },
      'METRICS_TOKEN',
      /^METRICS_TOKEN must be at least 16 characters without spaces \(value hidden\); example: /,
    ],
  ] as const)('%s with %j exits 1 naming %s', async (role, overrides, variable, message) => {
    const { code, lines, raw } = await startAndFail(role, { ...roleEnv(db.url), ...overrides });
    expect(code).toBe(1);
    expect(raw).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'fatal', event: 'config.invalid', variable, service: role });
    expect(lines[0]?.msg).toMatch(message);
  });

  it('never prints a secret value', async () => {
    const secret = 'this-is-the-secret-key-value';
    const { code, output } = await startAndFail('api', { ...roleEnv(db.url), CREDENTIALS_ENCRYPTION_KEY: secret });
    expect(code).toBe(1);
    expect(output).toContain('CREDENTIALS_ENCRYPTION_KEY must be 32 bytes');
    expect(output).not.toContain(secret);
  });

  it('reports a database host that does not resolve once, as a DNS failure', async () => {
    const { code, lines } = await startAndFail('worker', roleEnv('postgres://nudge:pw@db.nudge.invalid:5432/nudge'));
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'fatal', event: 'db.host.unresolved', host: 'db.nudge.invalid' });
    expect(lines[0]?.msg).toMatch(/^DATABASE_URL host "db.nudge.invalid" does not resolve \((ENOTFOUND|EAI_AGAIN)\)/);
  });
});
