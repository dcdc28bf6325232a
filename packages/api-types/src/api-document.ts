import { buildApiApp } from '@nudge/api';
import { parseApiConfig } from '@nudge/config';
import { createDbClient } from '@nudge/db';
import { createLogger } from '@nudge/logger';
import { createMetrics, openApiDocument } from '@nudge/service';
import { escalationEnv, roleEnv } from '@nudge/testkit';

/** An OpenAPI document as JSON. */
export type OpenApiDocument = Record<string, unknown>;

/** Nothing listens here: building the app never needs the database, and nothing is queried. */
const NO_DATABASE = 'postgres://openapi@127.0.0.1:1/openapi';
/** Nor Redis: the api is given no client, so this address is only read as a setting. */
const NO_REDIS = 'redis://127.0.0.1:1';

/**
 * The document the api serves at /docs/json, with every feature on so that every route is
 * described: the api is built in-process and never listens.
 */
export async function apiDocument(): Promise<OpenApiDocument> {
  const config = parseApiConfig(roleEnv(NO_DATABASE, escalationEnv(NO_REDIS)));
  const sql = createDbClient({
    url: NO_DATABASE,
    max: 1,
    connectTimeoutSeconds: 1,
    statementTimeoutMs: 1_000,
    applicationName: 'nudge-api-types',
  });
  const app = await buildApiApp({
    config,
    clock: { now: () => new Date() },
    sql,
    logger: createLogger({ service: 'api', instance: 'api-types', level: 'silent', pretty: false }),
    metrics: createMetrics('api'),
  });
  try {
    // A copy, as a client would get it: the caller may change it without touching the app's.
    return JSON.parse(JSON.stringify(await openApiDocument(app))) as OpenApiDocument;
  } finally {
    await app.close();
    await sql.end({ timeout: 1 });
  }
}
