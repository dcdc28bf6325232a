import type { Logger } from '@nudge/logger';
import type { Redis } from 'ioredis';
import type { ReadinessCheck } from './readiness.js';

export type { Redis } from 'ioredis';

/**
 * Opens a Redis connection. ioredis is imported here, on demand, so that a process whose
 * features need no Redis never loads it and never connects.
 */
export async function connectRedis(url: string, logger: Logger, purpose: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    connectionName: `nudge-${purpose}`,
    lazyConnect: true,
    // Commands fail fast while Redis is away instead of queueing without bound.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
  let down = false;
  redis.on('error', (err) => {
    if (!down) logger.warn({ event: 'redis.unavailable', purpose, err: err.message }, 'Redis is unreachable; retrying');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info({ event: 'redis.recovered', purpose }, 'Redis is reachable again');
    down = false;
  });
  // Not awaited: start-up never waits on Redis; readiness reports it until it answers.
  redis.connect().catch(() => undefined);
  return redis;
}

export function redisCheck(redis: Redis): ReadinessCheck {
  return {
    name: 'redis',
    async run() {
      await redis.ping();
      return [];
    },
  };
}
