import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { HttpError } from './http-error.js';

export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
}

/** One registry per process role; tests build several apps in one process, so nothing is global. */
export function createMetrics(role: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });
  const httpRequestDuration = new Histogram({
    name: 'nudge_http_request_duration_seconds',
    help: 'HTTP request duration by route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, httpRequestDuration };
}

/** Times every request of the app it is registered on, by route pattern and status. */
export const httpMetricsPlugin = fp(
  async (app: FastifyInstance, options: { metrics: Metrics }) => {
    const { httpRequestDuration } = options.metrics;
    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, never the raw URL, keeps label cardinality bounded.
      const route = request.routeOptions.url ?? 'unmatched';
      httpRequestDuration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  },
  { name: 'nudge-http-metrics' },
);

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `Authorization: Bearer <token>` against the expected token, in constant time (equal-length digests). */
export function bearerMatches(request: FastifyRequest, expected: string): boolean {
  const given = /^Bearer[ ]+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

/** Scrapes this close together get the same text: Prometheus scrapes every 15 s or so. */
const RENDER_REUSE_MS = 1_000;

/**
 * Renders the registry at most about once a second, however many scrapes arrive: a render
 * costs milliseconds of CPU and some collectors query the database, so a burst of scrapes
 * must not become a burst of either. Concurrent scrapes share the render in flight.
 */
function sharedRender(registry: Registry): () => Promise<string> {
  let inFlight: Promise<string> | undefined;
  let last: { text: string; at: number } | undefined;
  return () => {
    if (last !== undefined && performance.now() - last.at < RENDER_REUSE_MS) return Promise.resolve(last.text);
    inFlight ??= registry
      .metrics()
      .then((text) => {
        last = { text, at: performance.now() };
        return text;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}

/** `GET /metrics` (Prometheus text), behind a bearer token when one is given. */
export const metricsRoute = fp(
  async (app: FastifyInstance, options: { metrics: Metrics; token: string | undefined }) => {
    const { registry } = options.metrics;
    const render = sharedRender(registry);
    const { token } = options;
    app.get(
      '/metrics',
      {
        schema: {
          summary:
            token === undefined
              ? 'Prometheus metrics (text exposition format)'
              : 'Prometheus metrics (text exposition format); Authorization: Bearer METRICS_TOKEN',
          response: { 200: { type: 'string' } },
        },
        onRequest: async (request, reply) => {
          if (token === undefined || bearerMatches(request, token)) return;
          reply.header('www-authenticate', 'Bearer realm="metrics"');
          throw new HttpError(401, 'unauthorized', 'metrics need Authorization: Bearer <METRICS_TOKEN>');
        },
      },
      async (_request, reply) => {
        reply.header('content-type', registry.contentType);
        return render();
      },
    );
  },
  { name: 'nudge-metrics-route' },
);
