/**
 * A worker process whose scheduler runs the fixture schedules instead of Nudge's jobs, for
 * tests and benchmarks with several real replicas. Everything else is the real worker.
 */
import { runRole } from '@nudge/service';
import { parseEnv } from '../env.js';
import { buildWorker } from '../worker.js';
import { fixtureJobs } from './fixture-jobs.js';

await runRole({
  service: 'worker',
  parse: parseEnv,
  build: (context) => buildWorker(context, { jobs: fixtureJobs() }),
});
