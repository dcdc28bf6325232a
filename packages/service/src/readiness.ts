import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { pendingMigrations, verifySchema, type SchemaRole, type Sql } from '@nudge/db';
import { systemClock, type Clock } from '@nudge/domain';

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
  /** When the checks behind this report ran. */
  checkedAt: Date;
}

export interface ReadinessSettings {
  /** How often the checks run in the background. */
  intervalMs: number;
  /** One check's budget. */
  timeoutMs: number;
}

export const DEFAULT_READINESS: ReadinessSettings = { intervalMs: 2_000, timeoutMs: 2_000 };

/** A check that misses its budget this many rounds in a row fails; one slow answer under load does not. */
const LATE_ROUNDS_BEFORE_FAILING = 2;

const NOT_READY_RECHECK_MS = 250;

interface Answer {
  outcome: CheckOutcome;
  /** No answer within the budget (as opposed to an answer that says "not ready"). */
  late: boolean;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<Answer> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const reasons = await Promise.race([check.run(), timeout]);
    if (reasons === 'late')
      return {
        outcome: { ok: false, ms: elapsed(), reasons: [`${check.name} did not answer within ${timeoutMs} ms`] },
        late: true,
      };
    const detail = check.detail?.();
    const outcome = {
      ok: reasons.length === 0,
      ms: elapsed(),
      ...(reasons.length === 0 ? {} : { reasons }),
      ...(detail === undefined ? {} : { detail }),
    };
    return { outcome, late: false };
  } catch (err) {
    return {
      outcome: { ok: false, ms: elapsed(), reasons: [`${check.name}: ${(err as Error).message}`] },
      late: false,
    };
  } finally {
    clearTimeout(timer);
  }
}

function reportOf(
  checks: readonly ReadinessCheck[],
  outcomes: readonly CheckOutcome[],
  checkedAt: Date,
): ReadinessReport {
  const report: ReadinessReport = { ready: true, reasons: [], checks: {}, checkedAt };
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

/** Runs every check once, now, each within its budget. */
export async function checkReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs = DEFAULT_READINESS.timeoutMs,
  clock: Clock = systemClock,
): Promise<ReadinessReport> {
  const answers = await Promise.all(checks.map((check) => runCheck(check, timeoutMs)));
  return reportOf(
    checks,
    answers.map((a) => a.outcome),
    clock.now(),
  );
}

/**
 * Readiness decided in the background, not per request: the checks run every `intervalMs`
 * and `/health/ready` answers the last result, so a flood of requests (or of anything else)
 * neither multiplies the checks nor makes them queue behind the flood. A check that errors
 * or reports a problem fails at once; one that is merely slow fails only when it misses its
 * budget {@link LATE_ROUNDS_BEFORE_FAILING} rounds in a row.
 */
export class ReadinessMonitor {
  private last: ReadinessReport | undefined;
  private round: Promise<ReadinessReport> | undefined;
  private next: Promise<ReadinessReport> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly lateRounds = new Map<string, number>();

  constructor(
    private readonly checks: readonly ReadinessCheck[],
    private readonly settings: ReadinessSettings = DEFAULT_READINESS,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Checks now, then every interval until stopped. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.joinRound().finally(() => this.schedule());
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** The last result; before the first round has finished, that round's. */
  async current(): Promise<ReadinessReport> {
    return this.last ?? this.joinRound();
  }

  /**
   * A result from checks that start after this call, e.g. once background work has started
   * (a round already running may have looked before it did).
   */
  refresh(): Promise<ReadinessReport> {
    if (this.round === undefined) return this.joinRound();
    this.next ??= this.round.then(() => {
      this.next = undefined;
      return this.joinRound();
    });
    return this.next;
  }

  private joinRound(): Promise<ReadinessReport> {
    this.round ??= this.runRound().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private schedule(): void {
    if (!this.running) return;
    // While not ready (starting, or a dependency away), look again soon: recovery shows at once.
    const delay =
      this.last?.ready === false ? Math.min(this.settings.intervalMs, NOT_READY_RECHECK_MS) : this.settings.intervalMs;
    this.timer = setTimeout(() => {
      void this.joinRound().finally(() => this.schedule());
    }, delay);
    // Never what keeps a process (or a test run) alive.
    this.timer.unref();
  }

  private async runRound(): Promise<ReadinessReport> {
    const answers = await Promise.all(this.checks.map((check) => runCheck(check, this.settings.timeoutMs)));
    const outcomes = answers.map(({ outcome, late }, i) => {
      const name = (this.checks[i] as ReadinessCheck).name;
      const lateRounds = late ? (this.lateRounds.get(name) ?? 0) + 1 : 0;
      this.lateRounds.set(name, lateRounds);
      const before = this.last?.checks[name];
      if (late && lateRounds < LATE_ROUNDS_BEFORE_FAILING && before?.ok === true) {
        return { ok: true, ms: outcome.ms, detail: { ...before.detail, late_rounds: lateRounds } };
      }
      return outcome;
    });
    this.last = reportOf(this.checks, outcomes, this.clock.now());
    return this.last;
  }
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
    const detail = Object.entries(outcome.detail ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return `${name.padEnd(12)} ${(outcome.ok ? 'ok' : 'FAIL').padEnd(5)} ${`${outcome.ms} ms`.padStart(8)}  ${[detail, ...(outcome.reasons ?? [])].filter((x) => x !== '').join('; ')}`;
  });
  return `${report.ready ? 'READY' : 'NOT READY'}\n${rows.join('\n')}\n`;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** What `/health/ready` answers from; the role refreshes it once background work has started. */
    readiness: ReadinessMonitor;
  }
}

/**
 * `/health/live` answers while the process runs; `/health/ready` answers the background
 * checks' last result (200 when every check passed, 503 with the reasons otherwise).
 */
export const healthPlugin = fp(
  async (
    app: FastifyInstance,
    options: { checks: readonly ReadinessCheck[]; settings?: ReadinessSettings; clock?: Clock },
  ) => {
    const monitor = new ReadinessMonitor(options.checks, options.settings, options.clock);
    app.decorate('readiness', monitor);
    app.addHook('onReady', async () => monitor.start());
    app.addHook('onClose', async () => monitor.stop());
    app.get(
      '/health/live',
      {
        schema: {
          summary: 'The process runs',
          response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
        },
      },
      async () => ({
        status: 'ok',
      }),
    );
    const report = {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['ready', 'not_ready'] },
        reasons: { type: 'array', items: { type: 'string' } },
        checked_at: { type: 'string', format: 'date-time' },
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
          summary:
            'The last background check of every dependency (every READINESS_INTERVAL_MS); ?verbose=1 for a table people can read',
          querystring: { type: 'object', properties: { verbose: { type: 'string', enum: ['0', '1'] } } },
          response: { 200: report, 503: report },
        },
      },
      async (request, reply) => {
        const result = await monitor.current();
        reply.status(result.ready ? 200 : 503);
        if (request.query.verbose === '1')
          return reply.header('content-type', 'text/plain; charset=utf-8').send(readinessTable(result));
        return reply.send({
          status: result.ready ? 'ready' : 'not_ready',
          reasons: result.reasons,
          checked_at: result.checkedAt.toISOString(),
          checks: result.checks,
        });
      },
    );
  },
  { name: 'nudge-health' },
);
