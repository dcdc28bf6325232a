import { runRole } from '@nudge/service';
import { parseEnv } from './env.js';
import { buildWorker } from './worker.js';

await runRole({ service: 'worker', parse: parseEnv, build: buildWorker });
