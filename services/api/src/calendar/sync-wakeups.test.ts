import { describe, expect, it } from '@jest/globals';
import { SYNC_REQUESTED_CHANNEL } from '@nudge/calendar';
import { createDbClient } from '@nudge/db';
import { capturingLogger, eventually } from '@nudge/testkit';
import { useTestDatabase } from '@nudge/testkit/jest';
import { SyncWakeups } from './sync-wakeups.js';

describe('waking the workers for targeted syncs', () => {
  const db = useTestDatabase();

  it('answers a burst of requests with one or two NOTIFYs, and a later request with one more', async () => {
    let heard = 0;
    const listener = await db.sql.listen(SYNC_REQUESTED_CHANNEL, () => (heard += 1));
    try {
      const wakeups = new SyncWakeups(db.sql, capturingLogger('api').logger);
      for (let i = 0; i < 500; i += 1) wakeups.request();
      await wakeups.settled();
      await eventually(() => heard >= 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // The first request's NOTIFY, and one for the 499 made while it was on its way.
      expect(heard).toBeLessThanOrEqual(2);
      const afterBurst = heard;
      wakeups.request();
      await wakeups.settled();
      await eventually(() => heard === afterBurst + 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(heard).toBe(afterBurst + 1);
    } finally {
      await listener.unlisten();
    }
  });

  it('logs a wake-up it could not send and keeps serving requests', async () => {
    const broken = createDbClient({
      url: db.url,
      max: 1,
      connectTimeoutSeconds: 2,
      statementTimeoutMs: 1_000,
      applicationName: 'nudge-test',
    });
    await broken.end();
    const { logger, lines } = capturingLogger('api');
    const wakeups = new SyncWakeups(broken, logger);
    wakeups.request();
    await wakeups.settled();
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', event: 'calendar.sync_wakeup.failed' }));
    wakeups.request();
    await wakeups.settled();
    expect(lines.filter((line) => line.event === 'calendar.sync_wakeup.failed')).toHaveLength(2);
  });
});
