import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
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

function createAjv(coerceTypes: false | 'array'): Ajv {
  // Unknown fields are an error the client sees, never silently dropped.
  const ajv = new Ajv({ removeAdditional: false, useDefaults: true, coerceTypes, allErrors: false, strict: false });
  addFormats.default(ajv);
  return ajv;
}

/** JSON bodies are taken as typed; query strings and path parameters arrive as text and are coerced. */
const strictAjv = createAjv(false);
const coercingAjv = createAjv('array');

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
  });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema));
  await app.register(errorHandlerPlugin);
  await app.register(metricsPlugin, { metrics: options.metrics });
  await app.register(healthPlugin, { checks: options.checks });
  return app;
}
