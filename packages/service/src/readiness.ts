import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { pendingMigrations, verifySchema, type SchemaRole, type Sql } from '@nudge/db';

/** One dependency of readiness. `run` resolves to the reasons it is not ready (none when it is). */
export interface ReadinessCheck {
  name: string;
  run(): Promise<string[]>;
}

export interface CheckOutcome {
  ok: boolean;
  ms: number;
  reasons?: string[];
}

export interface ReadinessReport {
  ready: boolean;
  reasons: string[];
  checks: Record<string, CheckOutcome>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<CheckOutcome> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([`${check.name} did not answer within ${CHECK_TIMEOUT_MS} ms`]), CHECK_TIMEOUT_MS);
  });
  try {
    const reasons = await Promise.race([check.run(), timeout]);
    const ms = Math.round(performance.now() - started);
    return reasons.length === 0 ? { ok: true, ms } : { ok: false, ms, reasons };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - started), reasons: [`${check.name}: ${(err as Error).message}`] };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const outcomes = await Promise.all(checks.map(runCheck));
  const report: ReadinessReport = { ready: true, reasons: [], checks: {} };
  checks.forEach((check, i) => {
    const outcome = outcomes[i] as CheckOutcome;
    report.checks[check.name] = outcome;
    if (!outcome.ok) {
      report.ready = false;
      report.reasons.push(...(outcome.reasons ?? []));
    }
  });
  return report;
}

export function databaseCheck(sql: Sql): ReadinessCheck {
  return {
    name: 'database',
    async run() {
      await sql`select 1`;
      return [];
    },
  };
}

export function schemaCheck(sql: Sql, role: SchemaRole): ReadinessCheck {
  return {
    name: 'schema',
    async run() {
      const missing = await verifySchema(sql, role);
      return missing.map((m) => `column ${m.table}.${m.column} is missing (added by migration ${m.migration})`);
    },
  };
}

export function migrationsCheck(sql: Sql): ReadinessCheck {
  return {
    name: 'migrations',
    async run() {
      const pending = await pendingMigrations(sql);
      return pending.map((name) => `migration ${name} is not applied`);
    },
  };
}

/** `/health/live` answers while the process runs; `/health/ready` only when every check passes. */
export const healthPlugin = fp(
  async (app: FastifyInstance, options: { checks: readonly ReadinessCheck[] }) => {
    app.get('/health/live', { schema: { summary: 'The process runs', response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({
      status: 'ok',
    }));
    const report = {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['ready', 'not_ready'] },
        reasons: { type: 'array', items: { type: 'string' } },
        checks: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: { ok: { type: 'boolean' }, ms: { type: 'number' }, reasons: { type: 'array', items: { type: 'string' } } },
          },
        },
      },
    } as const;
    app.get('/health/ready', { schema: { summary: 'Every dependency answers and the schema is current', response: { 200: report, 503: report } } }, async (_request, reply) => {
      const report = await checkReadiness(options.checks);
      return reply
        .status(report.ready ? 200 : 503)
        .send({ status: report.ready ? 'ready' : 'not_ready', reasons: report.reasons, checks: report.checks });
    });
  },
  { name: 'nudge-health' },
);
