import { afterEach, describe, expect, it } from '@jest/globals';
import Fastify, { type FastifyInstance } from 'fastify';
import { healthPlugin, ReadinessMonitor, type ReadinessCheck } from './readiness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A dependency whose answer the test decides: fast, slow (past the budget) or broken. */
function dependency(name: string) {
  const state = { mode: 'fast' as 'fast' | 'slow' | 'broken', runs: 0 };
  const check: ReadinessCheck = {
    name,
    async run() {
      state.runs += 1;
      if (state.mode === 'broken') throw new Error('connection refused');
      if (state.mode === 'slow') await sleep(400);
      return [];
    },
  };
  return { state, check };
}

describe('readiness monitor', () => {
  it('stays ready when a check misses its budget once, and is not ready when it misses it twice in a row', async () => {
    const db = dependency('database');
    const monitor = new ReadinessMonitor([db.check], { intervalMs: 60_000, timeoutMs: 100 });
    expect((await monitor.refresh()).ready).toBe(true);
    db.state.mode = 'slow';
    const once = await monitor.refresh();
    expect(once.ready).toBe(true);
    expect(once.checks.database).toMatchObject({ ok: true, detail: { late_rounds: 1 } });
    const twice = await monitor.refresh();
    expect(twice).toMatchObject({ ready: false, reasons: ['database did not answer within 100 ms'] });
    db.state.mode = 'fast';
    expect(await monitor.refresh()).toMatchObject({ ready: true, reasons: [] });
  });

  it('is not ready at once when a check fails, rather than waits', async () => {
    const db = dependency('database');
    const monitor = new ReadinessMonitor([db.check], { intervalMs: 60_000, timeoutMs: 100 });
    await monitor.refresh();
    db.state.mode = 'broken';
    expect(await monitor.refresh()).toMatchObject({ ready: false, reasons: ['database: connection refused'] });
  });

  it('a check that was already failing and then stops answering stays failing', async () => {
    const db = dependency('database');
    const monitor = new ReadinessMonitor([db.check], { intervalMs: 60_000, timeoutMs: 100 });
    db.state.mode = 'broken';
    await monitor.refresh();
    db.state.mode = 'slow';
    expect(await monitor.refresh()).toMatchObject({ ready: false, reasons: ['database did not answer within 100 ms'] });
  });
});

describe('/health/ready', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
  });

  /** The plugin on a real listener; the base URL. */
  async function serve(checks: ReadinessCheck[], settings: { intervalMs: number; timeoutMs: number }): Promise<string> {
    app = Fastify();
    await app.register(healthPlugin, { checks, settings });
    return app.listen({ host: '127.0.0.1', port: 0 });
  }

  it('answers a flood of requests from the background checks, running them once per interval', async () => {
    const db = dependency('database');
    const base = await serve([db.check], { intervalMs: 200, timeoutMs: 100 });
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 500 }, () => fetch(`${base}/health/ready`).then((r) => r.status)),
    );
    await sleep(450);
    const rounds = db.state.runs;
    const expected = Math.ceil((performance.now() - started) / 200) + 1;
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(rounds).toBeLessThanOrEqual(expected);
  });

  it('turns 503 with the reason within one interval of a dependency failing', async () => {
    const db = dependency('database');
    const base = await serve([db.check], { intervalMs: 100, timeoutMs: 100 });
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    db.state.mode = 'broken';
    await sleep(250);
    const response = await fetch(`${base}/health/ready`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { checked_at: string };
    expect(body).toMatchObject({
      status: 'not_ready',
      reasons: ['database: connection refused'],
      checks: { database: { ok: false } },
    });
    expect(Date.parse(body.checked_at)).toBeGreaterThan(Date.now() - 1_000);
  });

  it('while not ready, looks again every 250 ms rather than every interval, so recovery shows quickly', async () => {
    const db = dependency('database');
    db.state.mode = 'broken';
    const base = await serve([db.check], { intervalMs: 60_000, timeoutMs: 100 });
    expect((await fetch(`${base}/health/ready`)).status).toBe(503);
    db.state.mode = 'fast';
    await sleep(600);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    const runs = db.state.runs;
    await sleep(600);
    // Ready again: back to one round per interval.
    expect(db.state.runs).toBe(runs);
  });
});
