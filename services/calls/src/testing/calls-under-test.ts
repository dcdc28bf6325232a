import { parseCallsConfig } from '@nudge/config';
import type { Sql } from '@nudge/db';
import { createMetrics, type Metrics } from '@nudge/service';
import { capturingLogger, escalationEnv, roleEnv } from '@nudge/testkit';
import type { FastifyInstance } from 'fastify';
import { buildCallsApp } from '../app.js';

/** The public URL Twilio is told to call back, and signs its webhooks for. */
export const CALLS_PUBLIC_URL = 'https://calls.nudge.test';

/** The calls role's settings in tests (Twilio credentials, its public URL), with `extra` on top. */
export function callsTestEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...roleEnv('postgres://unused@127.0.0.1/unused'),
    ...escalationEnv('redis://127.0.0.1:1'),
    CALLS_PUBLIC_URL,
    ...extra,
  };
}

/** The calls app as its main builds it, over `sql`, listening on a loopback port; `base` is its URL. */
export async function startCallsApp(options: {
  env: Record<string, string>;
  databaseUrl: string;
  sql: Sql;
  metrics?: Metrics;
}): Promise<{ app: FastifyInstance; base: string }> {
  const config = parseCallsConfig({ ...options.env, DATABASE_URL: options.databaseUrl });
  const app = await buildCallsApp({
    config,
    sql: options.sql,
    logger: capturingLogger('calls').logger,
    metrics: options.metrics ?? createMetrics('calls'),
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base };
}
