import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { pendingMigrations, verifySchema, type MissingColumn, type SchemaRole, type Sql } from '@nudge/db';
import type { Logger } from '@nudge/logger';

/** How far the database is from what this code needs. Current when both lists are empty. */
export interface SchemaState {
  pendingMigrations: string[];
  missingColumns: MissingColumn[];
}

export async function schemaState(sql: Sql, role: SchemaRole): Promise<SchemaState> {
  const [pending, missing] = await Promise.all([pendingMigrations(sql), verifySchema(sql, role)]);
  return { pendingMigrations: pending, missingColumns: missing };
}

export function isCurrent(state: SchemaState): boolean {
  return state.pendingMigrations.length === 0 && state.missingColumns.length === 0;
}

const LISTED = 5;

function listed(items: readonly string[]): string {
  const head = items.slice(0, LISTED).join(', ');
  return items.length > LISTED ? `${head}, … ${items.length - LISTED} more` : head;
}

/** One sentence per kind of gap, for the log line and /health/ready. */
export function schemaReasons(state: SchemaState): string[] {
  const reasons: string[] = [];
  const pending = state.pendingMigrations;
  if (pending.length > 0) reasons.push(`${pending.length} migration(s) not applied: ${listed(pending)}`);
  const missing = state.missingColumns.map((m) => `${m.table}.${m.column}`);
  if (missing.length > 0) reasons.push(`${missing.length} column(s) missing: ${listed(missing)}`);
  return reasons;
}

export interface SchemaGateOptions {
  sql: Sql;
  role: SchemaRole;
  logger: Logger;
  /** How often the schema is looked at again, and so how often the waiting line is logged. */
  intervalMs: number;
  /** Aborted when the process is asked to stop. */
  signal: AbortSignal;
  /** Told the reasons after every look that did not find the schema current. */
  onNotCurrent?(reasons: string[]): void;
}

/**
 * Waits until the database has every migration and column this role needs, logging one line
 * per look (`db.schema.not_current`, or `db.schema.unverified` when the database does not
 * answer). Nothing of the role runs meanwhile: under Docker Swarm or Kubernetes, which start
 * calls and worker alongside the api, this is what orders them after its migrations.
 * Resolves true once current, false when aborted first.
 */
export async function waitForCurrentSchema(options: SchemaGateOptions): Promise<boolean> {
  const { sql, role, logger, intervalMs, signal } = options;
  const started = performance.now();
  let looks = 0;
  while (!signal.aborted) {
    looks += 1;
    let reasons: string[];
    try {
      const state = await schemaState(sql, role);
      if (isCurrent(state)) {
        if (looks > 1) {
          logger.info(
            { event: 'db.schema.current', role, waited_ms: Math.round(performance.now() - started) },
            'the database schema is current; starting',
          );
        }
        return true;
      }
      reasons = schemaReasons(state);
      logger.warn(
        {
          event: 'db.schema.not_current',
          role,
          pending_migrations: state.pendingMigrations.length,
          missing_columns: state.missingColumns.length,
          first_pending: state.pendingMigrations[0],
          reasons,
        },
        `${role} waits for the database schema (${reasons.join('; ')}); the api migrates on start with RUN_MIGRATIONS_ON_START=1, or run nudge-admin migrate`,
      );
    } catch (err) {
      const { message, code } = err as Error & { code?: string };
      reasons = [`the schema could not be read: ${message}`];
      // Message and code only: a stack trace says nothing more to an operator here.
      logger.error(
        { event: 'db.schema.unverified', role, code, reason: message },
        `could not verify the schema: ${message}`,
      );
    }
    options.onNotCurrent?.(reasons);
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      break;
    }
  }
  return false;
}

export interface WaitingServerOptions {
  host: string;
  port: number;
  role: SchemaRole;
  /** Why the role is not ready yet, as of the last look. */
  status(): { reasons: string[]; checkedAt: Date };
}

/**
 * What listens on the role's port while it waits for the schema: live, never ready, and 503
 * to everything else, so that neither a health probe nor a webhook takes it for a working role.
 */
export async function startWaitingServer(options: WaitingServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) => {
    const { reasons, checkedAt } = options.status();
    return reply.status(503).send({
      status: 'not_ready',
      reasons,
      checked_at: checkedAt.toISOString(),
      checks: { schema: { ok: false, ms: 0, reasons } },
    });
  });
  app.setNotFoundHandler(async (_request, reply) =>
    reply
      .status(503)
      .header('retry-after', '5')
      .send({ error: 'not_ready', message: `${options.role} is waiting for the database schema to be current` }),
  );
  await app.listen({ host: options.host, port: options.port });
  return app;
}
