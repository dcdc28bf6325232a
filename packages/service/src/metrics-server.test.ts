import { afterEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { capturingLogger } from '@nudge/testkit';
import { createMetrics } from './metrics.js';
import { createMetricsServer } from './metrics-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the metrics listener', () => {
  let server: FastifyInstance | undefined;
  afterEach(async () => {
    await server?.close();
  });

  /** A listener whose registry counts how often it is rendered (a collector runs once per render). */
  async function listen(token?: string) {
    const metrics = createMetrics('api');
    const renders = { count: 0 };
    new Gauge({
      name: 'nudge_test_renders',
      help: 'renders so far',
      registers: [metrics.registry],
      collect() {
        renders.count += 1;
        this.set(renders.count);
      },
    });
    server = await createMetricsServer({ logger: capturingLogger('api').logger, metrics, token });
    return { base: await server.listen({ host: '127.0.0.1', port: 0 }), renders };
  }

  it('renders once for a burst of scrapes, and again once a second has passed', async () => {
    const { base, renders } = await listen();
    const started = performance.now();
    const burst = await Promise.all(Array.from({ length: 100 }, () => fetch(`${base}/metrics`).then((r) => r.text())));
    for (let i = 0; i < 20; i += 1) burst.push(await (await fetch(`${base}/metrics`)).text());
    const seconds = Math.ceil((performance.now() - started) / 1000);
    expect(burst.every((text) => /^nudge_test_renders\{role="api"\} \d+$/m.test(text))).toBe(true);
    // 120 scrapes: one render per second they took, not one each.
    expect(renders.count).toBeLessThanOrEqual(seconds);
    const before = renders.count;
    await sleep(1_100);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain(`nudge_test_renders{role="api"} ${before + 1}`);
  });

  it('serves nothing but /metrics, and with a token only to its bearer', async () => {
    const { base } = await listen('a-metrics-token-of-some-length');
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer a-metrics-token-of-some-lengtH' } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${base}/metrics`, { headers: { authorization: 'bearer a-metrics-token-of-some-length' } })).status,
    ).toBe(200);
    const other = await fetch(`${base}/health/ready`, {
      headers: { authorization: 'Bearer a-metrics-token-of-some-length' },
    });
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /health/ready' } });
  });
});
