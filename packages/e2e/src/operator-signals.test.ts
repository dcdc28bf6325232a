import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTestDatabase,
  eventually,
  freePort,
  roleEnv,
  RoleProcess,
  startRole,
  WebhookReceiver,
} from '@nudge/testkit';

/** Sentry's envelope: a header line, then (item header, item payload) pairs. */
function envelopeEvents(text: string): Record<string, unknown>[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const events: Record<string, unknown>[] = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    const header = JSON.parse(lines[i]!) as { type?: string };
    if (header.type === 'event') events.push(JSON.parse(lines[i + 1]!) as Record<string, unknown>);
  }
  return events;
}

describe('what operators are told', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('error lines are counted per kind and sent to Sentry with role, instance and release when SENTRY_DSN is set', async () => {
    const db = await createTestDatabase({ migrated: false });
    // A database that does not exist: the schema gate logs an error per look until it does.
    const missingDb = new URL(db.url);
    missingDb.pathname = `/${db.name}_absent`;
    const dsn = `http://publickey@${new URL(receiver.url).host}/42`;
    const started: RoleProcess[] = [];
    try {
      const { process: calls, metricsBase } = await startRole(
        'calls',
        roleEnv(missingDb.toString(), {
          READINESS_INTERVAL_MS: '300',
          SENTRY_DSN: dsn,
          SENTRY_ENVIRONMENT: 'ci',
          NUDGE_VERSION: '1.2.3',
          INSTANCE_ID: 'calls-e2e',
        }),
        { ready: 'live', timeoutMs: 45_000, metrics: true, started },
      );
      await eventually(() => calls.events('db.schema.unverified').length >= 2, { explain: () => calls.output() });
      const metrics = await (await fetch(`${metricsBase}/metrics`)).text();
      const counted = Number(
        /^nudge_errors_total\{kind="db.schema.unverified",role="calls"\} (\d+)$/m.exec(metrics)?.[1],
      );
      // Counted as they are logged: the count at scrape time lies between the lines before and after it.
      expect(counted).toBeGreaterThanOrEqual(2);
      expect(counted).toBeLessThanOrEqual(calls.events('db.schema.unverified').length);

      const envelopes = await receiver.received.until(
        (items) => items.filter((r) => r.path === '/api/42/envelope/').length > 0,
        15_000,
      );
      const events = envelopes.filter((r) => r.path === '/api/42/envelope/').flatMap((r) => envelopeEvents(r.text));
      expect(events.length).toBeGreaterThan(0);
      expect(events[0]).toMatchObject({
        release: '1.2.3',
        environment: 'ci',
        server_name: 'calls-e2e',
        tags: expect.objectContaining({ role: 'calls', instance: 'calls-e2e', event: 'db.schema.unverified' }),
      });
    } finally {
      await Promise.all(started.map((p) => p.stop()));
      await db.drop();
    }
  });

  it('failing migrations at start stop the api with one clear line and one Slack message', async () => {
    const db = await createTestDatabase({ migrated: false });
    // A table in the way: the first migration cannot create it.
    await db.sql`create table organizations (id int)`;
    receiver.received.items.length = 0;
    const api = RoleProcess.start(
      'api',
      roleEnv(db.url, {
        PORT: String(await freePort()),
        RUN_MIGRATIONS_ON_START: '1',
        OPS_SLACK_WEBHOOK_URL: `${receiver.url}/slack`,
      }),
    );
    try {
      const { code } = await api.exited;
      expect(code).toBe(1);
      expect(api.events('db.migrations.failed')).toEqual([
        expect.objectContaining({
          level: 'fatal',
          msg: expect.stringContaining('relation "organizations" already exists'),
        }),
      ]);
      const slack = receiver.received.items.filter((r) => r.path === '/slack');
      expect(slack).toHaveLength(1);
      expect((JSON.parse(slack[0]!.text) as { text: string }).text).toMatch(
        /migrations failed: .*relation "organizations" already exists/,
      );
    } finally {
      await api.stop();
      await db.drop();
    }
  });
});
