import { percentile } from './report.js';

/** A burst that came due at `dueAt`: how late each arrival was (sorted ascending), and arrivals a second over the burst. */
export function burstSince(dueAt: Date, arrivals: readonly Date[]): { lateness: number[]; perSecond: number } {
  const lateness = arrivals.map((at) => at.getTime() - dueAt.getTime()).sort((a, b) => a - b);
  return { lateness, perSecond: (arrivals.length / Math.max(1, lateness.at(-1) ?? 1)) * 1000 };
}

/** `p50 / p99 / max ms` of latenesses sorted ascending. */
export function latenessFigure(sorted: readonly number[]): string {
  return `${percentile(sorted, 50)} / ${percentile(sorted, 99)} / ${sorted.at(-1)} ms`;
}
