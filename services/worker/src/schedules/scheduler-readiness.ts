import type { Clock } from '@nudge/domain';
import type { ReadinessCheck } from '@nudge/service';

/**
 * Not ready until the scheduler loop has ticked once (its schedule rows exist from then on),
 * and again when it has not finished a tick for three tick intervals.
 */
export function schedulerCheck(
  manager: { lastTickAt: Date | undefined },
  clock: Clock,
  tickIntervalMs: number,
): ReadinessCheck {
  const limitMs = 3 * tickIntervalMs;
  return {
    name: 'scheduler',
    async run() {
      const last = manager.lastTickAt;
      if (last === undefined) return ['the scheduler loop has not ticked yet'];
      const sinceMs = clock.now().getTime() - last.getTime();
      return sinceMs > limitMs
        ? [`the scheduler loop has not ticked for ${sinceMs} ms (limit ${limitMs} ms, 3 intervals)`]
        : [];
    },
  };
}
