import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '@nudge/logger';
import { errorHandlerPlugin } from './error-handler.js';
import { metricsPlugin, type Metrics } from './metrics.js';
import { healthPlugin, type ReadinessCheck } from './readiness.js';

export interface HttpAppOptions {
  logger: Logger;
  metrics: Metrics;
  /** What `/health/ready` asks. */
  checks: readonly ReadinessCheck[];
  bodyLimitBytes: number;
  requestTimeoutMs?: number;
}

/**
 * A fastify instance with what every role serves: the error format, `/metrics`,
 * `/health/live` and `/health/ready`. Roles register their routes on it.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast only drops pino's extra generic.
    loggerInstance: options.logger as FastifyBaseLogger,
    // One line per outcome: routes log what matters, not every request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    // Unknown body fields are an error the client sees, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
  });
  await app.register(errorHandlerPlugin);
  await app.register(metricsPlugin, { metrics: options.metrics });
  await app.register(healthPlugin, { checks: options.checks });
  return app;
}
