/** One benchmark's outcome: its figures, and each target compared with what was measured. */
export interface BenchTarget {
  name: string;
  /** Whether the measurement met the target. */
  met: boolean;
  detail: string;
}

export function printSection(title: string): void {
  process.stdout.write(`\n## ${title}\n`);
}

export function printFigure(label: string, value: string): void {
  process.stdout.write(`  ${label.padEnd(44)} ${value}\n`);
}

export function printTargets(targets: readonly BenchTarget[]): void {
  for (const target of targets) {
    process.stdout.write(`  target ${target.met ? 'MET   ' : 'MISSED'} ${target.name}: ${target.detail}\n`);
  }
}

export function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}×`;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The value at percentile `p` of values sorted ascending. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
