/**
 * `pnpm bench [name…]`: runs the benchmarks (all, or those named). Each prints its figures next
 * to a baseline measured in the same run; targets are reported, never asserted — a benchmark
 * is not a timed test.
 */
import { prepareTemplateDatabase } from '@nudge/testkit';
import { abuseLoad } from './abuse.bench.js';
import { apiStartAndThroughput } from './api.bench.js';
import { calendarSync } from './calendar.bench.js';
import { calendarChannels } from './calendar-channels.bench.js';
import { dispatchBurst } from './dispatch.bench.js';
import { dispatchIsolation } from './isolation.bench.js';
import * as schedules from './schedules.bench.js';
import { escalationBench } from './escalation.bench.js';

const benches: Record<string, () => Promise<void>> = {
  api: apiStartAndThroughput,
  schedules: schedules.run,
  dispatch: dispatchBurst,
  isolation: dispatchIsolation,
  abuse: abuseLoad,
  // Minute polling at scale, then push channels side by side with it.
  calendar: async () => {
    await calendarSync();
    await calendarChannels();
  },
  escalation: escalationBench,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}\n`);
  process.exit(2);
}
await prepareTemplateDatabase();
// One benchmark that fails says why and the others still run; the exit code tells at the end.
const failed: string[] = [];
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  try {
    await run();
  } catch (err) {
    failed.push(name);
    process.stderr.write(
      `\nbenchmark ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
}
if (failed.length > 0) {
  process.stderr.write(`\n${failed.length} benchmark(s) failed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}
