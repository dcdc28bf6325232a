import type { FastifyInstance } from 'fastify';
import { parseApiConfig } from '@nudge/config';
import type { Clock } from '@nudge/domain';
import { createMetrics, type Redis, type ResolveHost } from '@nudge/service';
import { capturingLogger, createTestDatabase, roleEnv, type TestDatabase } from '@nudge/testkit';
import { useFixture } from '@nudge/testkit/jest';
import { buildApiApp } from '../app.js';
import { createOrganization } from '../orgs/create-organization.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export type RequestOptions = Omit<RequestInit, 'body'> & { token?: string; body?: unknown };

/** The api built in-process and listening on loopback: tests call it over real HTTP. */
export interface ApiUnderTest {
  app: FastifyInstance;
  base: string;
  logLines: Record<string, unknown>[];
  request(path: string, init?: RequestOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

export async function startApi(
  db: TestDatabase,
  options: {
    clock?: Clock;
    env?: Record<string, string>;
    redis?: Redis;
    webAppDir?: string;
    resolvePushHost?: ResolveHost;
  } = {},
): Promise<ApiUnderTest> {
  const { logger, lines } = capturingLogger('api');
  const clock = options.clock ?? { now: () => new Date() };
  const app = await buildApiApp({
    config: parseApiConfig(roleEnv(db.url, options.env)),
    clock,
    sql: db.sql,
    logger,
    metrics: createMetrics('api'),
    ...(options.redis === undefined ? {} : { redis: options.redis }),
    ...(options.webAppDir === undefined ? {} : { webAppDir: options.webAppDir }),
    ...(options.resolvePushHost === undefined ? {} : { resolvePushHost: options.resolvePushHost }),
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    base,
    logLines: lines,
    async request(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.token !== undefined) headers.set('authorization', `Bearer ${init.token}`);
      let body: string | undefined;
      if (typeof init.body === 'string') body = init.body;
      else if (init.body !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.body);
      }
      const response = await fetch(`${base}${path}`, { ...init, headers, body, redirect: 'manual' });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
    },
    close: () => app.close(),
  };
}

export interface ApiTestBed {
  db: TestDatabase;
  api: ApiUnderTest;
}

/**
 * A test file's database and api, created before its tests and closed after them. The fields
 * are set by the time a test runs.
 */
export function useApiTestBed(options: Parameters<typeof startApi>[1] = {}): ApiTestBed {
  return useFixture(
    async () => {
      const db = await createTestDatabase();
      return { db, api: await startApi(db, options) };
    },
    async ({ db, api }) => {
      await api.close();
      await db.drop();
    },
  );
}

let counter = 0;

/** A new organisation with its admin; returns the admin's token and ids. */
export async function newOrg(
  db: TestDatabase,
  options: { name?: string; email?: string; phone?: string | null; timezone?: string; operator?: boolean } = {},
) {
  counter += 1;
  return createOrganization(db.sql, {
    orgName: `Org ${counter}`,
    email: options.email ?? `admin${counter}-${Date.now()}@example.test`,
    name: options.name ?? `Admin ${counter}`,
    phoneE164: options.phone === undefined ? '+15005550006' : options.phone,
    timezone: options.timezone ?? 'UTC',
    operator: options.operator ?? false,
  });
}
