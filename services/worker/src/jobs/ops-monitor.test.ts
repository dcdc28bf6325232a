import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadRule } from '@nudge/alerts';
import { slackOpsAlerts } from '@nudge/service';
import { capturingLogger, insertMeeting, insertUser, ManualClock, WebhookReceiver } from '@nudge/testkit';
import { useTestDatabase } from '@nudge/testkit/jest';
import { opsMonitor } from './ops-monitor.js';

describe('ops-monitor', () => {
  const db = useTestDatabase();
  let slack: WebhookReceiver;
  const { logger } = capturingLogger('worker');
  beforeAll(async () => {
    slack = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await slack.close();
  });

  it('raises each critical condition once while it holds, and resolves it when it clears', async () => {
    const clock = new ManualClock(new Date());
    const ops = slackOpsAlerts({ sql: db.sql, webhookUrl: slack.url, logger, clock, source: 'worker w1' });
    const run = () =>
      opsMonitor(ops)({
        sql: db.sql,
        logger,
        signal: new AbortController().signal,
        now: () => clock.now(),
        scheduledFor: null,
        runId: '1',
      });
    const texts = () => slack.received.items.map((r) => (JSON.parse(r.text) as { text: string }).text);

    expect(await run()).toEqual({ problems: [] });
    expect(texts()).toEqual([]);

    // An alert due two minutes ago that nobody sent; a scheduler worker silent for ten; a failing sync.
    const { userId } = await insertUser(db.sql);
    const meetingId = await insertMeeting(db.sql, userId, { startsAt: new Date(clock.now().getTime() + 600_000) });
    const rule = await loadRule(db.sql, userId);
    await db.sql`insert into alerts (user_id, meeting_id, rule_id, due_at) values (${userId}, ${meetingId}, ${rule.id}, ${new Date(clock.now().getTime() - 120_000)})`;
    const silentSince = new Date(clock.now().getTime() - 10 * 60_000);
    await db.sql`insert into service_heartbeats values ('worker-7', 'worker', 'dev', true, ${silentSince}, ${silentSince})`;
    for (let i = 0; i < 6; i += 1)
      await db.sql`insert into sync_runs (user_id, started_at, error) values (${userId}, ${clock.now()}, 'google answered 500')`;

    for (let i = 0; i < 3; i += 1) await run();
    expect(texts()).toHaveLength(3);
    expect(texts().join('\n')).toMatch(/dispatcher is 120 s behind \(1 alerts waiting\)/);
    expect(texts().join('\n')).toMatch(/scheduler heartbeat stale: worker-7/);
    expect(texts().join('\n')).toMatch(/calendar sync failing: 6 of 6 user syncs failed/);

    await db.sql`delete from alerts`;
    await db.sql`delete from service_heartbeats`;
    await db.sql`delete from sync_runs`;
    expect(await run()).toEqual({ problems: [] });
    const open = await db.sql`select key from ops_alerts where resolved_at is null`;
    expect(open).toEqual([]);
    expect(texts()).toHaveLength(3);
  });
});
