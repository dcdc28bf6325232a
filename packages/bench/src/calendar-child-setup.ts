import type { GoogleConfig, WorkerConfig } from '@nudge/config';
import { createDbClient, type Sql } from '@nudge/db';
import { createLogger, type Logger } from '@nudge/logger';

/** What every calendar benchmark child reads from its parent first. */
export interface CalendarChildInput {
  databaseUrl: string;
  google: GoogleConfig;
  keyBase64: string;
  concurrency: number;
  poolMax: number;
}

/** A calendar child's pool, quiet logger and the worker settings its parent chose. */
export function calendarChild(
  input: CalendarChildInput,
  instance: string,
): {
  sql: Sql;
  logger: Logger;
  config: Pick<WorkerConfig, 'google' | 'credentialsKey' | 'calendarSync'>;
} {
  return {
    sql: createDbClient({
      url: input.databaseUrl,
      max: input.poolMax,
      connectTimeoutSeconds: 10,
      statementTimeoutMs: 60_000,
      applicationName: `nudge-${instance}`,
    }),
    logger: createLogger({ service: 'worker', instance, level: 'warn', destination: process.stderr, pretty: false }),
    config: {
      google: input.google,
      credentialsKey: Buffer.from(input.keyBase64, 'base64'),
      calendarSync: { concurrency: input.concurrency, horizonDays: 14, userTimeoutMs: 60_000 },
    },
  };
}
