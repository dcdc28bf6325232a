import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { capturingLogger, createTestDatabase, ManualClock, type TestDatabase } from '@nudge/testkit';
import type { JobContext } from '../schedules/scheduled-job.js';
import { checkinTokensCleanup } from './checkin-tokens-cleanup.js';
import { deleteInBatches } from './delete-in-batches.js';
import { deliveriesCleanup } from './deliveries-cleanup.js';
import { webhookEventsCleanup } from './webhook-events-cleanup.js';

let db: TestDatabase;
const clock = new ManualClock('2026-05-20T04:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  const [org] = await db.sql<{ id: string }[]>`insert into organizations (name) values ('Acme') returning id`;
  const [user] = await db.sql<
    { id: string }[]
  >`insert into users (org_id, email, name) values (${org!.id}, 'ada@acme.test', 'Ada') returning id`;
  const [rule] = await db.sql<{ id: string }[]>`insert into alert_rules (user_id) values (${user!.id}) returning id`;
  const [meeting] = await db.sql<{ id: string }[]>`
    insert into meetings (user_id, external_id, starts_at, ends_at) values (${user!.id}, 'evt-1', '2026-05-01T10:00:00Z', '2026-05-01T11:00:00Z') returning id`;
  const [alert] = await db.sql<{ id: string }[]>`
    insert into alerts (user_id, meeting_id, rule_id, due_at) values (${user!.id}, ${meeting!.id}, ${rule!.id}, '2026-05-01T09:50:00Z') returning id`;
  const alertId = alert!.id;
  await db.sql`
    insert into deliveries (alert_id, channel, target_id, attempt, status, created_at)
    select ${alertId}, 'push', gen_random_uuid(), 1, status, created_at
    from (values ('completed', '2026-05-10T00:00:00Z'::timestamptz), ('failed', '2026-05-12T00:00:00Z'),
                 ('dead_letter', '2026-05-01T00:00:00Z'), ('pending', '2026-05-01T00:00:00Z'),
                 ('completed', '2026-05-15T00:00:00Z')) as d(status, created_at)`;
  await db.sql`
    insert into checkin_tokens (token_hash, alert_id, expires_at)
    values ('expired-1', ${alertId}, '2026-05-19T00:00:00Z'), ('expired-2', ${alertId}, '2026-05-20T03:59:00Z'),
           ('valid', ${alertId}, '2026-05-20T05:00:00Z')`;
  // 2,500 old events (three batches) and one from the last 24 hours.
  await db.sql`
    insert into processed_webhook_events (provider, event_id, received_at)
    select 'twilio', 'old-' || n, '2026-05-18T00:00:00Z' from generate_series(1, 2500) n`;
  await db.sql`insert into processed_webhook_events (provider, event_id, received_at) values ('twilio', 'recent', '2026-05-19T05:00:00Z')`;
});
afterAll(async () => {
  await db.drop();
});

function context(): JobContext {
  return {
    sql: db.sql,
    logger: capturingLogger().logger,
    signal: new AbortController().signal,
    now: () => clock.now(),
    scheduledFor: clock.now(),
    runId: '1',
  };
}

describe('cleanup jobs', () => {
  it('webhook-events-cleanup keeps 24 hours of processed webhook events and reports how many it removed', async () => {
    expect(await webhookEventsCleanup(context())).toMatchObject({ removed: 2500 });
    expect(await db.sql`select event_id from processed_webhook_events`).toEqual([{ event_id: 'recent' }]);
  });

  it('deliveries-cleanup removes completed and failed deliveries older than 7 days, nothing open', async () => {
    expect(await deliveriesCleanup(context())).toMatchObject({ removed: 2 });
    const left = await db.sql<{ status: string }[]>`select status from deliveries order by created_at`;
    expect(left.map((d) => d.status)).toEqual(['dead_letter', 'pending', 'completed']);
  });

  it('checkin-tokens-cleanup removes expired tokens only', async () => {
    expect(await checkinTokensCleanup(context())).toEqual({ removed: 2 });
    expect(await db.sql`select token_hash from checkin_tokens`).toEqual([{ token_hash: 'valid' }]);
  });

  it('deletes in bounded batches and stops between batches once aborted', async () => {
    const sizes: number[] = [];
    const controller = new AbortController();
    let left = 25;
    const removing = deleteInBatches(
      async (batchSize) => {
        sizes.push(batchSize);
        const removed = Math.min(batchSize, left);
        left -= removed;
        if (sizes.length === 2) controller.abort(new Error('stop'));
        return removed;
      },
      controller.signal,
      10,
    );
    await expect(removing).rejects.toThrow('stop');
    expect(sizes).toEqual([10, 10]);
  });
});
