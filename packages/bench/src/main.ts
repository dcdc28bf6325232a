/**
 * `pnpm bench`: runs each benchmark module in turn. A module exports `name` and `run()`, and
 * prints its own figures with a ratio to a baseline it measures in the same run.
 */
import * as schedules from './schedules.bench.js';

const benchmarks: { name: string; run(): Promise<void> }[] = [schedules];

for (const benchmark of benchmarks) {
  console.log(`\n== ${benchmark.name}`);
  await benchmark.run();
}
