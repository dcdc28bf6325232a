/**
 * The calendar benchmark's worker with push channels: the calendar subsystem as the worker
 * runs it (shared quota in Postgres, targeted syncs woken by NOTIFY), in its own process so its
 * peak RSS is its own. Reads its settings as one JSON line on stdin, then commands, one per
 * line: `tick` runs the calendar-sync schedule's job (the safety poll) and answers its summary;
 * `stop` stops and answers {maxRssMb}.
 */
import { createInterface } from 'node:readline';
import { systemClock } from '@nudge/domain';
import { createCalendarSubsystem } from '@nudge/worker';
import { calendarChild, type CalendarChildInput } from './calendar-child-setup.js';

interface Input extends CalendarChildInput {
  address: string;
  requestsPerMinute: number;
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const first = await lines.next();
const input = JSON.parse(String(first.value)) as Input;
const { sql, logger, config } = calendarChild(input, 'bench-channels');
const calendar = createCalendarSubsystem(
  {
    ...config,
    flags: { schedulers: true, calendar: true, alerts: true, escalation: false, checkin: true },
    calendarChannels: {
      address: input.address,
      offReason: undefined,
      ttlSeconds: 7 * 86_400,
      safetySyncMinutes: 60,
      targetedConcurrency: input.concurrency,
    },
    googleQuota: { requestsPerMinute: input.requestsPerMinute, perUserPerMinute: 480, store: 'postgres' },
    process: { instanceId: 'bench-channels', version: 'bench', shutdownTimeoutMs: 10_000, heartbeatIntervalMs: 15_000 },
  },
  { sql, logger, clock: systemClock },
  { fallbackPollMs: 1_000 },
);
await calendar.targeted.start();
const answer = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
answer({ ready: true });
for (;;) {
  const next = await lines.next();
  const command = next.done === true ? 'stop' : String(next.value).trim();
  if (command === 'tick') {
    const context = {
      sql,
      logger,
      signal: new AbortController().signal,
      now: () => new Date(),
      scheduledFor: null,
      runId: 'bench',
    };
    answer(await calendar.syncJob(context));
  } else {
    await calendar.targeted.stop();
    await sql.end();
    answer({ maxRssMb: process.resourceUsage().maxRSS / 1024 });
    process.stdin.destroy();
    break;
  }
}
