import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { parseCallsConfig } from '@nudge/config';
import { createMetrics } from '@nudge/service';
import {
  capturingLogger,
  createTestDatabase,
  escalationEnv,
  rawHttpRequest,
  roleEnv,
  type TestDatabase,
} from '@nudge/testkit';
import { buildCallsApp } from './app.js';

const errorFormat = (code: string) => ({ error: { code, message: expect.any(String) } });

/** The calls role answers what its router and Node's parser refuse in the documented format, like the api. */
describe('calls role: errors raised before any route runs', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      ...roleEnv(db.url),
      ...escalationEnv('redis://127.0.0.1:1'),
      CALLS_PUBLIC_URL: 'https://calls.nudge.test',
    };
    app = await buildCallsApp({
      config: parseCallsConfig(env),
      sql: db.sql,
      logger: capturingLogger('calls').logger,
      metrics: createMetrics('calls'),
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('a path that is not valid percent-encoding is a 400 bad_url', async () => {
    const response = await fetch(`${base}/twilio/voice/alerts/%zz`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(errorFormat('bad_url'));
  });

  it("a path parameter over the router's limit is a 414 uri_too_long", async () => {
    const response = await fetch(`${base}/twilio/voice/alerts/${'a'.repeat(300)}/gather`, { method: 'POST' });
    expect(response.status).toBe(414);
    expect(await response.json()).toEqual(errorFormat('uri_too_long'));
  });

  it('oversized headers are a 431 headers_too_large, and bytes that are not HTTP a 400 bad_request', async () => {
    const big = await rawHttpRequest(
      base,
      `POST /twilio/status HTTP/1.1\r\nHost: calls\r\nX-Padding: ${'a'.repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(big.status).toBe(431);
    expect(JSON.parse(big.body)).toEqual(errorFormat('headers_too_large'));
    const garbage = await rawHttpRequest(base, 'NONSENSE\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toEqual(errorFormat('bad_request'));
  });
});
