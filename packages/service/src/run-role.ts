import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import {
  assertDatabaseHostResolves,
  DatabaseHostError,
  type CommonConfig,
  type Env,
  type HttpConfig,
} from '@nudge/config';
import { createDbClient, runMigrations, type Sql } from '@nudge/db';
import { systemClock, type Clock } from '@nudge/domain';
import { createLogger, type Logger } from '@nudge/logger';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';
import { loadConfigOrExit } from './load-config.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createMetricsServer } from './metrics-server.js';
import { silentOpsAlerts, type OpsAlerts } from './ops/ops-alerts.js';
import { slackOpsAlerts } from './ops/slack-ops-alerts.js';
import { startSentry, type ErrorTracker } from './ops/sentry.js';
import { startWaitingServer, waitForCurrentSchema } from './schema-gate.js';
import { Counter } from 'prom-client';

export interface RoleContext<C extends CommonConfig> {
  config: C;
  clock: Clock;
  logger: Logger;
  sql: Sql;
  /**
   * One connection of its own for readiness checks, so that a busy pool never makes a
   * healthy role look unready; statements on it are cut off at READINESS_TIMEOUT_MS.
   */
  readinessSql: Sql;
  metrics: Metrics;
  /** Critical conditions for the operators (Slack when configured, silent otherwise). */
  ops: OpsAlerts;
}

/** Slack alerts only with OPS_SLACK_WEBHOOK_URL: otherwise nothing is stored or sent. */
function opsAlertsFor(config: CommonConfig, sql: Sql, logger: Logger): OpsAlerts {
  if (config.ops.slackWebhookUrl === undefined) return silentOpsAlerts;
  return slackOpsAlerts({
    sql,
    webhookUrl: config.ops.slackWebhookUrl,
    logger,
    clock: systemClock,
    source: `${config.role} ${config.process.instanceId}`,
  });
}

/** What a role builds: the HTTP app (API, webhooks or health) and its background work. */
export interface RoleInstance {
  app: FastifyInstance;
  /** Starts background work after the app listens. */
  start?(): Promise<void>;
  /** Stops taking work and finishes or releases what is in flight. */
  stop?(): Promise<void>;
}

export interface RoleDefinition<C extends CommonConfig & { http: HttpConfig }> {
  service: C['role'];
  parse(env: Env): C;
  /** The api migrates before anything else starts. */
  migrateOnStart?(config: C): boolean;
  build(context: RoleContext<C>): Promise<RoleInstance>;
}

function logStartup(logger: Logger, config: CommonConfig): void {
  logger.info(
    { event: 'config.flags', role: config.role, flags: config.flags, version: config.process.version },
    'feature flags',
  );
  if (!config.flags.schedulers) {
    logger.info({ event: 'schedulers.disabled', role: config.role }, `Schedulers disabled for service: ${config.role}`);
  } else if (config.role === 'worker') {
    logger.info({ event: 'schedulers.enabled', role: config.role }, `Schedulers ENABLED for service: ${config.role}`);
  } else {
    // Only the worker runs schedulers. The flag is still reported in the heartbeat so that
    // scripts/verify_production.sh can point at the misconfigured instance.
    logger.warn(
      { event: 'schedulers.enabled', role: config.role },
      `Schedulers ENABLED for service: ${config.role}, which runs no schedulers; set ENABLE_SCHEDULERS=false`,
    );
  }
}

/**
 * METRICS_PORT: a listener of its own for /metrics. Otherwise /metrics is on the public port
 * behind METRICS_TOKEN (create-http-app), or not served at all; each case is logged once.
 */
async function serveMetrics(
  config: CommonConfig & { http: HttpConfig },
  metrics: Metrics,
  logger: Logger,
): Promise<FastifyInstance | undefined> {
  const { port, token } = config.http.metrics;
  if (port === undefined) {
    if (token === undefined) {
      logger.info(
        { event: 'metrics.disabled' },
        'metrics are not served: set METRICS_PORT (a separate listener) or METRICS_TOKEN (bearer on the public port)',
      );
    } else {
      logger.info(
        { event: 'metrics.public_with_token' },
        '/metrics is served on the public port and requires METRICS_TOKEN',
      );
    }
    return undefined;
  }
  const server = await createMetricsServer({ logger, metrics, token });
  const address = await server.listen({ host: config.http.host, port });
  logger.info(
    { event: 'metrics.listening', address, token_required: token !== undefined },
    `metrics on ${address}/metrics`,
  );
  return server;
}

/**
 * The start-up sequence every role follows (DESIGN §2): environment, database URL and host,
 * flags, migrations (api), schema verification, subsystems, listen, graceful shutdown.
 */
export async function runRole<C extends CommonConfig & { http: HttpConfig }>(role: RoleDefinition<C>): Promise<void> {
  const config = loadConfigOrExit(role.service, role.parse);
  const metrics = createMetrics(role.service);
  const errorLines = new Counter({
    name: 'nudge_errors_total',
    help: 'Error-level log lines by kind (their event name)',
    labelNames: ['kind'] as const,
    registers: [metrics.registry],
  });
  let tracker: ErrorTracker | undefined;
  const logger = createLogger({
    service: role.service,
    instance: config.process.instanceId,
    level: config.log.level,
    onError: (line) => {
      errorLines.inc({ kind: line.event });
      tracker?.capture(line);
    },
  });
  if (config.ops.sentryDsn !== undefined) {
    tracker = await startSentry({
      dsn: config.ops.sentryDsn,
      environment: config.ops.sentryEnvironment,
      role: config.role,
      instance: config.process.instanceId,
      release: config.process.version,
    });
  }
  const fail = async (event: string, fields: object, message: string): Promise<never> => {
    logger.fatal({ event, ...fields }, message);
    await tracker?.flush(2_000);
    process.exit(1);
  };

  try {
    await assertDatabaseHostResolves(config.db.url);
  } catch (err) {
    if (!(err instanceof DatabaseHostError)) throw err;
    await fail('db.host.unresolved', { host: err.host, code: err.code }, err.message);
  }
  logStartup(logger, config);

  // Connects on first use, not here.
  const sql = createDbClient({
    url: config.db.url.url,
    max: config.db.poolMax,
    connectTimeoutSeconds: config.db.connectTimeoutSeconds,
    statementTimeoutMs: config.db.statementTimeoutMs,
    applicationName: `nudge-${role.service}`,
  });
  const readinessSql = createDbClient({
    url: config.db.url.url,
    max: 1,
    connectTimeoutSeconds: Math.max(1, Math.ceil(config.http.readiness.timeoutMs / 1000)),
    statementTimeoutMs: config.http.readiness.timeoutMs,
    applicationName: `nudge-${role.service}-readiness`,
  });
  const ops = opsAlertsFor(config, sql, logger);

  if (role.migrateOnStart?.(config) === true) {
    try {
      const { applied, waitedMs } = await runMigrations({ url: config.db.url.url, logger });
      logger.info(
        { event: 'db.migrations.completed', applied: applied.length, waited_ms: waitedMs },
        `migrations done (${applied.length} applied)`,
      );
    } catch (err) {
      const message = `migrations failed: ${(err as Error).message}`;
      await ops.raise('migrations.failed', `${config.role} ${config.process.instanceId}: ${message}`);
      await fail('db.migrations.failed', { err }, message);
    }
  }

  // Registered before anything is started: a stop while the role waits for the schema, or
  // an error while it starts, ends the process with one line and closes what exists.
  const gate = new AbortController();
  let waiting: Promise<FastifyInstance | undefined> | undefined;
  let running: { instance: RoleInstance; heartbeat: Heartbeat } | undefined = undefined;
  let metricsServer: FastifyInstance | undefined;
  closeWithGrace(
    {
      delay: config.process.shutdownTimeoutMs,
      logger: false,
      onTimeout: (ms) =>
        logger.error({ event: 'process.shutdown.timeout', ms }, `shutdown took over ${ms} ms; exiting`),
      onSecondSignal: (signal) =>
        logger.warn({ event: 'process.shutdown.forced', signal }, `second ${signal}; exiting now`),
    },
    async ({ signal, err }) => {
      if (err !== undefined) logger.fatal({ event: 'process.crashed', err }, `unexpected error: ${err.message}`);
      logger.info({ event: 'process.shutdown.started', signal }, 'shutting down');
      gate.abort();
      await (await waiting)?.close();
      if (running !== undefined) {
        await running.instance.stop?.();
        await running.instance.app.close();
      }
      await metricsServer?.close();
      await running?.heartbeat.stop();
      await Promise.all([sql.end({ timeout: 5 }), readinessSql.end({ timeout: 1 })]);
      logger.info({ event: 'process.shutdown.completed' }, 'stopped');
      await tracker?.flush(2_000);
    },
  );

  // Metrics first: once the public port answers, so does METRICS_PORT (also while waiting).
  try {
    metricsServer = await serveMetrics(config, metrics, logger);
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    await fail(
      'metrics.listen_failed',
      { port: config.http.metrics.port, code },
      `could not listen on METRICS_PORT ${config.http.metrics.port}: ${message}`,
    );
  }

  // Nothing of the role runs on a schema it does not know (DESIGN §2): wait, not ready, until
  // the api (or nudge-admin migrate) has brought the database up to date.
  let lastLook = { reasons: [] as string[], checkedAt: systemClock.now() };
  const current = await waitForCurrentSchema({
    sql: readinessSql,
    role: config.role,
    logger,
    intervalMs: config.http.readiness.intervalMs,
    signal: gate.signal,
    onNotCurrent: (reasons) => {
      lastLook = { reasons, checkedAt: systemClock.now() };
      // From the first look that finds a gap, the role's port answers: live, not ready.
      waiting ??= startWaitingServer({
        host: config.http.host,
        port: config.http.port,
        role: config.role,
        status: () => lastLook,
      }).catch((err: NodeJS.ErrnoException) =>
        fail(
          'http.listen_failed',
          { port: config.http.port, code: err.code },
          `could not listen on port ${config.http.port}: ${err.message}`,
        ),
      );
    },
  });
  if (!current) return;
  await (await waiting)?.close();
  waiting = undefined;

  const instance = await role.build({ config, clock: systemClock, logger, sql, readinessSql, metrics, ops });
  // Beat before listening: a role that answers ready is already in service_heartbeats.
  const heartbeat = await startHeartbeat({
    sql,
    logger,
    instanceId: config.process.instanceId,
    role: config.role,
    version: config.process.version,
    schedulersEnabled: config.flags.schedulers,
    intervalMs: config.process.heartbeatIntervalMs,
  });
  running = { instance, heartbeat };
  const address = await instance.app.listen({ host: config.http.host, port: config.http.port });
  logger.info({ event: 'http.listening', address }, `listening on ${address}`);
  await instance.start?.();
  // Ready reflects the started subsystems without waiting for the next background round.
  void instance.app.readiness.refresh();
  logger.info({ event: 'process.started', role: config.role }, `${config.role} started`);
}
