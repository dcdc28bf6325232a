import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { createDbClient, type Sql } from '@nudge/db';
import { createTestDatabase, signTwilioWebhook, type TestDatabase } from '@nudge/testkit';
import { CALLS_PUBLIC_URL as PUBLIC_URL, callsTestEnv, startCallsApp } from '../../testing/calls-under-test.js';
import { insertEscalatedAlert } from '../../testing/escalated-alert.js';
const PER_ADDRESS_PER_MINUTE = 60;

interface Answer {
  status: number;
  body: string;
}

/** A POST over real HTTP from a chosen loopback address: the attacker and Twilio come from different ones. */
function post(
  base: string,
  path: string,
  options: { body: string; headers?: Record<string, string>; from?: string },
): Promise<Answer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'POST',
        localAddress: options.from ?? '127.0.0.1',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(options.body),
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    // A server that answers before reading a refused body may close while it is still being sent.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? resolve({ status: -1, body: err.code }) : reject(err),
    );
    req.end(options.body);
  });
}

describe('calls role under a flood of unsigned and oversized webhooks', () => {
  let db: TestDatabase;
  let sql: Sql;
  let app: FastifyInstance;
  let base: string;
  const queries: string[] = [];
  const env = callsTestEnv({ CALLS_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: String(PER_ADDRESS_PER_MINUTE) });
  const token = env.TWILIO_AUTH_TOKEN!;

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = createDbClient({
      url: db.url,
      max: 4,
      connectTimeoutSeconds: 5,
      statementTimeoutMs: 5_000,
      applicationName: 'nudge-calls-test',
      onQuery: (query) => queries.push(query),
    });
    ({ app, base } = await startCallsApp({ env, databaseUrl: db.url, sql }));
  });
  afterAll(async () => {
    await app.close();
    await sql.end();
    await db.drop();
  });

  const escalatedAlert = async () => (await insertEscalatedAlert(db.sql, { title: 'Ops review' })).alertId;

  const signed = (path: string, params: Record<string, string>) => ({
    body: new URLSearchParams(params).toString(),
    headers: { 'x-twilio-signature': signTwilioWebhook(`${PUBLIC_URL}${path}`, params, token) },
  });

  it('unsigned or oversized requests are refused before any database work: 403, 413, then 429 past the budget; readiness stays 200; Twilio from its own address still gets through', async () => {
    const alertId = await escalatedAlert();
    const voicePath = `/twilio/voice/alerts/${alertId}`;
    const big = `CallSid=CA1&Padding=${'x'.repeat(47 * 1024)}`;
    const floods: ((i: number) => Promise<Answer>)[] = [
      () => post(base, voicePath, { body: big }),
      () => post(base, voicePath, { body: big, headers: { 'x-twilio-signature': 'forged' } }),
      () => post(base, '/twilio/status', { body: 'CallSid=CA1&CallStatus=completed' }),
    ];

    // Readiness polled all along, as the orchestrator would.
    const readiness: number[] = [];
    let flooding = true as boolean;
    const poller = (async () => {
      while (flooding) {
        readiness.push((await fetch(`${base}/health/ready`)).status);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    queries.length = 0;
    const answers: Answer[] = [];
    const started = Date.now();
    // Bounded: 600 requests, 12 at a time, at most 20 s.
    for (let i = 0; i < 600 && Date.now() - started < 20_000; i += 12) {
      answers.push(
        ...(await Promise.all(Array.from({ length: 12 }, (_, j) => floods[(i + j) % floods.length]!(i + j)))),
      );
    }
    const floodQueries = queries.filter((q) => !/^select 1|pg_|schema_migrations|information_schema/i.test(q.trim()));

    // Meanwhile Twilio, from its own address, is served as usual.
    const twilio = await post(base, voicePath, {
      ...signed(voicePath, { CallSid: 'CA1', CallStatus: 'in-progress' }),
      from: '127.0.0.2',
    });
    flooding = false;
    await poller;

    const statuses = answers.map((a) => a.status);
    const counts = Object.fromEntries([...new Set(statuses)].map((s) => [s, statuses.filter((x) => x === s).length]));
    expect(
      Object.keys(counts)
        .map(Number)
        .every((s) => [403, 413, 429].includes(s)),
    ).toBe(true);
    expect(counts[403]).toBeGreaterThan(0);
    expect(counts[413]).toBeGreaterThan(0);
    expect(counts[429]).toBeGreaterThanOrEqual(answers.length - PER_ADDRESS_PER_MINUTE);
    expect(answers.filter((a) => a.status === 429).every((a) => JSON.parse(a.body).error.code === 'rate_limited')).toBe(
      true,
    );
    expect(
      answers.filter((a) => a.status === 413).every((a) => JSON.parse(a.body).error.code === 'payload_too_large'),
    ).toBe(true);
    expect(floodQueries).toEqual([]);
    expect(readiness.length).toBeGreaterThan(5);
    expect(readiness.every((s) => s === 200)).toBe(true);
    expect(twilio.status).toBe(200);
    expect(twilio.body).toContain('Ops review');
  }, 60_000);

  it("a signed request over the webhook body limit is a 413 in the error format; one of Twilio's size is served", async () => {
    const alertId = await escalatedAlert();
    const path = `/twilio/voice/alerts/${alertId}/gather`;
    const tooBig = await post(base, path, {
      ...signed(path, { CallSid: 'CA2', Digits: '2', Padding: 'x'.repeat(9 * 1024) }),
      from: '127.0.0.3',
    });
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.body)).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    // About what Twilio posts to a <Gather> action: a few dozen fields.
    const fields = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`Field${i}`, 'x'.repeat(40)]));
    const normal = await post(base, path, {
      ...signed(path, { ...fields, CallSid: 'CA2', Digits: '2' }),
      from: '127.0.0.3',
    });
    expect(normal.status).toBe(200);
    expect(normal.body).toContain('Sorry, that was not 1.');
  });
});
