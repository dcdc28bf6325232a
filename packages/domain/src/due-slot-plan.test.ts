import { describe, expect, it } from '@jest/globals';
import { planDueSlot } from './due-slot-plan.js';
import { parseScheduleTiming } from './schedule-timing.js';

const everyMinute = parseScheduleTiming('* * * * *', 'UTC');
const at = (iso: string) => new Date(iso);
const GRACE = 30_000;

describe('planning a due slot', () => {
  it('runs a slot that is due on time and misses nothing', () => {
    const plan = planDueSlot(everyMinute, 'skip', at('2026-01-10T10:01:00Z'), at('2026-01-10T10:01:00.040Z'), GRACE);
    expect(plan).toMatchObject({ missed: 0, catchUp: false, nextRunAt: at('2026-01-10T10:02:00Z') });
    expect(plan.runSlot).toEqual(at('2026-01-10T10:01:00Z'));
  });

  it.each([
    ['skip runs nothing, counts every slot and schedules the next', 'skip', undefined, false],
    ['once runs one catch-up for the latest slot and counts every slot', 'once', at('2026-01-10T10:06:00Z'), true],
  ] as const)('after five minutes of downtime, %s', (_what, policy, runSlot, catchUp) => {
    const plan = planDueSlot(everyMinute, policy, at('2026-01-10T10:02:00Z'), at('2026-01-10T10:06:40Z'), GRACE);
    expect(plan).toEqual({ runSlot, catchUp, missed: 5, capped: false, nextRunAt: at('2026-01-10T10:07:00Z') });
  });

  it('runs the latest slot when it is within the grace and counts only the earlier ones', () => {
    const plan = planDueSlot(everyMinute, 'skip', at('2026-01-10T10:02:00Z'), at('2026-01-10T10:06:10Z'), GRACE);
    expect(plan).toMatchObject({ runSlot: at('2026-01-10T10:06:00Z'), catchUp: false, missed: 4 });
  });

  it('stops counting at a bound after a very long downtime', () => {
    const everySecond = parseScheduleTiming('@every 1s', 'UTC');
    const plan = planDueSlot(everySecond, 'skip', at('2026-01-01T00:00:00Z'), at('2026-01-08T00:00:00Z'), GRACE);
    expect(plan).toMatchObject({ capped: true, missed: 10_000, nextRunAt: at('2026-01-08T00:00:01Z') });
  });
});
