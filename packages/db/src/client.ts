import postgres from 'postgres';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;
/** A piece of SQL built with the tagged template, to be nested in another statement. */
export type SqlFragment = postgres.PendingQuery<postgres.Row[]>;

export interface DbClientOptions {
  url: string;
  /** Connections in the pool. */
  max: number;
  connectTimeoutSeconds: number;
  /** Postgres cancels any statement that runs longer. */
  statementTimeoutMs: number;
  /** Shown in pg_stat_activity, e.g. "nudge-api". */
  applicationName: string;
  idleTimeoutSeconds?: number;
  /** Sees the text of every query sent (tests use it to prove that a path does no database work). */
  onQuery?: (query: string) => void;
}

export function createDbClient(options: DbClientOptions): Sql {
  return postgres(options.url, {
    max: options.max,
    connect_timeout: options.connectTimeoutSeconds,
    idle_timeout: options.idleTimeoutSeconds ?? 30,
    max_lifetime: 60 * 30,
    // The server's NOTICEs (e.g. "relation already exists, skipping") are not worth a log line.
    onnotice: () => {},
    ...(options.onQuery === undefined
      ? {}
      : { debug: (_connection: number, query: string) => options.onQuery!(query) }),
    connection: {
      application_name: options.applicationName,
      statement_timeout: options.statementTimeoutMs,
    },
  });
}
