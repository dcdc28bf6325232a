import type { WorkerConfig } from '@nudge/config';
import {
  connectRedis,
  createHttpApp,
  databaseCheck,
  redisCheck,
  schemaCheck,
  type ReadinessCheck,
  type Redis,
  type RoleContext,
  type RoleInstance,
} from '@nudge/service';

/**
 * Wires the worker's subsystems from its flags. A subsystem whose flag is off is not loaded:
 * with escalation off, nothing here opens a Redis connection. Its HTTP server, on
 * HEALTH_PORT, serves only health and metrics.
 */
export async function buildWorker(context: RoleContext<WorkerConfig>): Promise<RoleInstance> {
  const { config, logger, sql, metrics } = context;
  const checks: ReadinessCheck[] = [databaseCheck(sql), schemaCheck(sql, 'worker')];

  let redis: Redis | undefined;
  if (config.redis !== undefined) {
    redis = await connectRedis(config.redis.url, logger, 'escalation');
    checks.push(redisCheck(redis));
  }

  const app = await createHttpApp({ logger, metrics, checks, bodyLimitBytes: 1024 });
  return {
    app,
    async stop() {
      redis?.disconnect();
    },
  };
}
