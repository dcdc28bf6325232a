import { runRole } from '@nudge/service';
import { buildApiApp } from './app.js';
import { parseEnv } from './env.js';

await runRole({
  service: 'api',
  parse: parseEnv,
  migrateOnStart: (config) => config.runMigrationsOnStart,
  build: async (context) => ({ app: await buildApiApp(context) }),
});
