import { connectRedis, runRole } from '@nudge/service';
import { buildApiApp } from './app.js';
import { parseEnv } from './env.js';

await runRole({
  service: 'api',
  parse: parseEnv,
  migrateOnStart: (config) => config.runMigrationsOnStart,
  build: async (context) => {
    // Loaded only with RATE_LIMIT_STORE=redis or the Google quota in Redis: otherwise the api never touches Redis.
    const redis =
      context.config.redis === undefined
        ? undefined
        : await connectRedis(context.config.redis.url, context.logger, 'rate-limit and Google quota');
    const app = await buildApiApp({ ...context, ...(redis === undefined ? {} : { redis }) });
    return { app, stop: async () => redis?.disconnect() };
  },
});
