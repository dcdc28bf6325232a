import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { pendingMigrations, verifySchema, type SchemaRole, type Sql } from '@nudge/db';

/** One dependency of readiness. `run` resolves to the reasons it is not ready (none when it is). */
export interface ReadinessCheck {
  name: string;
  run(): Promise<string[]>;
  /** Figures worth showing next to the outcome (e.g. the dispatcher's lag); never decides readiness. */
  detail?(): Record<string, number | string>;
}

export interface CheckOutcome {
  ok: boolean;
  ms: number;
  reasons?: string[];
  detail?: Record<string, number | string>;
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
    const detail = check.detail?.();
    return { ok: reasons.length === 0, ms, ...(reasons.length === 0 ? {} : { reasons }), ...(detail === undefined ? {} : { detail }) };
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

/** The same report as a table for a person at a terminal (`curl …/health/ready?verbose=1`). */
export function readinessTable(report: ReadinessReport): string {
  const rows = Object.entries(report.checks).map(([name, outcome]) => {
    const detail = Object.entries(outcome.detail ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
    return `${name.padEnd(12)} ${(outcome.ok ? 'ok' : 'FAIL').padEnd(5)} ${`${outcome.ms} ms`.padStart(8)}  ${[detail, ...(outcome.reasons ?? [])].filter((x) => x !== '').join('; ')}`;
  });
  return `${report.ready ? 'READY' : 'NOT READY'}\n${rows.join('\n')}\n`;
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
            properties: {
              ok: { type: 'boolean' },
              ms: { type: 'number' },
              reasons: { type: 'array', items: { type: 'string' } },
              detail: { type: 'object', additionalProperties: { type: ['number', 'string'] } },
            },
          },
        },
      },
    } as const;
    app.get<{ Querystring: { verbose?: string } }>(
      '/health/ready',
      {
        schema: {
          summary: 'Every dependency answers and the schema is current; ?verbose=1 for a table people can read',
          querystring: { type: 'object', properties: { verbose: { type: 'string', enum: ['0', '1'] } } },
          response: { 200: report, 503: report },
        },
      },
      async (request, reply) => {
        const result = await checkReadiness(options.checks);
        reply.status(result.ready ? 200 : 503);
        if (request.query.verbose === '1') return reply.header('content-type', 'text/plain; charset=utf-8').send(readinessTable(result));
        return reply.send({ status: result.ready ? 'ready' : 'not_ready', reasons: result.reasons, checks: result.checks });
      },
    );
  },
  { name: 'nudge-health' },
);
