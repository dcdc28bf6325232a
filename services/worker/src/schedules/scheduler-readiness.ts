import type { Clock } from '@nudge/domain';
import type { ReadinessCheck } from '@nudge/service';

/** Not ready when the scheduler loop has not finished a tick for three tick intervals. */
export function schedulerCheck(manager: { lastTickAt: Date | undefined }, clock: Clock, tickIntervalMs: number, startedAt: Date): ReadinessCheck {
  const limitMs = 3 * tickIntervalMs;
  return {
    name: 'scheduler',
    async run() {
      const last = manager.lastTickAt ?? startedAt;
      const sinceMs = clock.now().getTime() - last.getTime();
      return sinceMs > limitMs ? [`the scheduler loop has not ticked for ${sinceMs} ms (limit ${limitMs} ms, 3 intervals)`] : [];
    },
  };
}
