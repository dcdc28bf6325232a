import { runRole } from '@nudge/service';
import { buildCallsApp } from './app.js';
import { parseEnv } from './env.js';

await runRole({
  service: 'calls',
  parse: parseEnv,
  build: async (context) => ({ app: await buildCallsApp(context) }),
});
