import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createDbClient } from '@nudge/db';
import { capturingLogger, createTestDatabase, ManualClock, WebhookReceiver, type TestDatabase } from '@nudge/testkit';
import { slackOpsAlerts } from './slack-ops-alerts.js';

describe('Slack operator alerts', () => {
  let db: TestDatabase;
  let slack: WebhookReceiver;
  const { logger } = capturingLogger('worker');
  beforeAll(async () => {
    db = await createTestDatabase();
    slack = await WebhookReceiver.start();
  });
  afterEach(async () => {
    slack.received.items.length = 0;
    await db.sql`delete from ops_alerts`;
  });
  afterAll(async () => {
    await slack.close();
    await db.drop();
  });

  const alerts = (clock: ManualClock, extra: { maxPerHour?: number } = {}) =>
    slackOpsAlerts({
      sql: db.sql,
      webhookUrl: `${slack.url}/services/T0/B0/x`,
      logger,
      clock,
      source: 'worker test-1',
      ...extra,
    });
  const texts = () => slack.received.items.map((r) => (JSON.parse(r.text) as { text: string }).text);

  it('posts one incoming-webhook message per incident however often, and by however many replicas, it is raised', async () => {
    const clock = new ManualClock('2026-11-23T10:00:00Z');
    const replicas = [alerts(clock), alerts(clock), alerts(clock)];
    await Promise.all(
      replicas.flatMap((replica) =>
        [1, 2, 3].map(() => replica.raise('dispatcher.behind', 'the alert dispatcher is 45 s behind')),
      ),
    );
    expect(texts()).toEqual([':rotating_light: *Nudge* (worker test-1): the alert dispatcher is 45 s behind']);
    expect(slack.received.items[0]?.path).toBe('/services/T0/B0/x');
  });

  it('treats a breaker that closes and opens again soon as the same incident, and a later one as new', async () => {
    const clock = new ManualClock('2026-11-23T10:00:00Z');
    const ops = alerts(clock);
    await ops.raise('breaker.google', 'opened');
    await ops.resolve('breaker.google');
    clock.advance(60_000);
    await ops.raise('breaker.google', 'opened again');
    expect(texts()).toHaveLength(1);
    await ops.resolve('breaker.google');
    clock.advance(31 * 60_000);
    await ops.raise('breaker.google', 'opened a third time');
    expect(texts()).toHaveLength(2);
    expect(texts()[1]).toContain('opened a third time');
  });

  it('sends a handful of messages in an outage, not thousands', async () => {
    const clock = new ManualClock('2026-11-23T10:00:00Z');
    const ops = alerts(clock, { maxPerHour: 5 });
    for (let i = 0; i < 40; i += 1) await ops.raise(`condition-${i}`, `condition ${i}`);
    expect(texts()).toHaveLength(5);
  });

  it('still tells someone once when the database itself is what failed', async () => {
    const broken = createDbClient({
      url: 'postgres://postgres@127.0.0.1:1/none',
      max: 1,
      connectTimeoutSeconds: 1,
      statementTimeoutMs: 1_000,
      applicationName: 'broken',
    });
    const ops = slackOpsAlerts({
      sql: broken,
      webhookUrl: slack.url,
      logger,
      clock: new ManualClock('2026-11-23T10:00:00Z'),
      source: 'api',
    });
    await ops.raise('migrations.failed', 'migrations failed');
    await ops.raise('migrations.failed', 'migrations failed');
    await broken.end({ timeout: 1 });
    expect(texts()).toEqual([':rotating_light: *Nudge* (api): migrations failed']);
  });
});
