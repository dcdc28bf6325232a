import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '@nudge/logger';
import { errorHandlerPlugin } from './error-handler.js';
import { metricsRoute, type Metrics } from './metrics.js';

export interface MetricsServerOptions {
  logger: Logger;
  metrics: Metrics;
  /** Required as a bearer token when set (METRICS_TOKEN). */
  token: string | undefined;
}

/**
 * The listener on METRICS_PORT: `/metrics` and nothing else (every other path is a 404 in the
 * error format), so that scrapes never share the public port with its clients.
 */
export async function createMetricsServer(options: MetricsServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ listener: 'metrics' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // A scrape is a small GET: no body, and a slow client is dropped quickly.
    bodyLimit: 1024,
    requestTimeout: 10_000,
    connectionTimeout: 10_000,
  });
  await app.register(errorHandlerPlugin);
  await app.register(metricsRoute, { metrics: options.metrics, token: options.token });
  return app;
}
