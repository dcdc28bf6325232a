import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { HttpConfig } from '@nudge/config';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Logger } from '@nudge/logger';
import { errorHandlerPlugin, errorSchema } from './error-handler.js';
import { clientErrorHandler, frameworkErrorReply } from './framework-errors.js';
import { HttpError } from './http-error.js';
import { httpMetricsPlugin, metricsRoute, type Metrics } from './metrics.js';
import { openApiPlugin, type OpenApiOptions } from './openapi.js';
import { healthPlugin, type ReadinessCheck } from './readiness.js';
import type { HttpApp, SchemaTypeProvider } from './schema-types.js';

export interface HttpAppOptions {
  logger: Logger;
  metrics: Metrics;
  /** What `/health/ready` asks. */
  checks: readonly ReadinessCheck[];
  /** `metrics` decides whether this (public) port serves `/metrics`; `readiness` how often checks run. */
  http: Pick<HttpConfig, 'bodyLimitBytes' | 'trustProxy' | 'metrics' | 'readiness'>;
  requestTimeoutMs?: number;
  /** Serve an OpenAPI description of every route at /docs/json (and a page at /docs). */
  docs?: OpenApiOptions;
}

/** A registered route, as tests and the OpenAPI check see it. */
export interface RouteRecord {
  method: string;
  url: string;
  schema: { body?: unknown; querystring?: unknown; params?: unknown; response?: Record<string, unknown> } | undefined;
  hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeInventory: readonly RouteRecord[];
  }
}

/** Clients and proxies may send their own request id; it is echoed back and in every log line of the request. */
export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function createAjv(coerceTypes: false | 'array'): Ajv {
  // Unknown fields are an error the client sees, never silently dropped.
  const ajv = new Ajv({ removeAdditional: false, useDefaults: true, coerceTypes, allErrors: false, strict: false });
  addFormats.default(ajv);
  return ajv;
}

/** JSON bodies are taken as typed; query strings and path parameters arrive as text and are coerced. */
const strictAjv = createAjv(false);
const coercingAjv = createAjv('array');

/** NUL cannot be stored in Postgres text and is never meaningful input: refuse it at the edge. */
function containsNul(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000') || containsNul(inner, depth + 1)) return true;
  }
  return false;
}

/** A hop count is expressed as fastify's trust function: the closest `hops` proxies are believed. */
function trustProxy(
  setting: HttpConfig['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting;
}

/**
 * A fastify instance with what every role serves: the error format, `/health/live` and
 * `/health/ready`, and `/metrics` only behind METRICS_TOKEN (with METRICS_PORT, metrics have
 * their own listener, see run-role). Roles register their routes on it.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast only drops pino's extra generic.
    loggerInstance: options.logger as FastifyBaseLogger,
    // One line per outcome: routes log what matters, not every request.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    bodyLimit: options.http.bodyLimitBytes,
    trustProxy: trustProxy(options.http.trustProxy),
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 72_000,
    // fastify would take any header value as it is; genReqId checks it first.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers[REQUEST_ID_HEADER];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // What the router and Node's parser refuse leaves in the documented error format too.
    frameworkErrors: frameworkErrorReply,
    clientErrorHandler: clientErrorHandler(options.logger),
  });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema));
  const inventory: RouteRecord[] = [];
  app.decorate('routeInventory', inventory);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD')
        inventory.push({
          method,
          url: route.url,
          schema: route.schema as RouteRecord['schema'],
          hidden: (route.schema as { hide?: boolean } | undefined)?.hide === true,
        });
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  await app.register(helmet, { global: true });
  app.addSchema(errorSchema);
  // Before any route, so that every route is described.
  if (options.docs !== undefined) await app.register(openApiPlugin, options.docs);
  await app.register(errorHandlerPlugin);
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ] as const) {
      if (containsNul(value, 0))
        throw new HttpError(400, 'validation_failed', `${part} must not contain NUL characters`);
    }
  });
  await app.register(httpMetricsPlugin, { metrics: options.metrics });
  const { metrics } = options.http;
  // Never on the public port without a token: a scrape costs CPU anyone could spend.
  if (metrics.port === undefined && metrics.token !== undefined)
    await app.register(metricsRoute, { metrics: options.metrics, token: metrics.token });
  await app.register(healthPlugin, { checks: options.checks, settings: options.http.readiness });
  return app.withTypeProvider<SchemaTypeProvider>();
}
