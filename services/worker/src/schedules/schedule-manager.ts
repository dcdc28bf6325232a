import { randomUUID } from 'node:crypto';
import type { Sql } from '@nudge/db';
import {
  definitionTiming,
  planDueSlot,
  spanOfDueSlots,
  timingExpression,
  validateDefinitions,
  type Clock,
  type DueSlotPlan,
  type ScheduleTiming,
} from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { GroupRunner, type LeasedRun } from './group-run.js';
import { retryOnceOnLockConflict } from './lock-conflicts.js';
import type { ScheduledJob } from './scheduled-job.js';
import type { SchedulerMetrics } from './scheduler-metrics.js';
import {
  claimSlots,
  loadTickState,
  pickQueuedRuns,
  reclaimLease,
  repairMissingNextRun,
  skipOverlappedSlot,
  syncDefinition,
  type SlotClaim,
} from '@nudge/schedules';

export interface ScheduleManagerOptions {
  sql: Sql;
  logger: Logger;
  clock: Clock;
  /** Written as `locked_by` and `worker_id`. */
  instanceId: string;
  jobs: readonly ScheduledJob[];
  leaseTimeoutMs: number;
  tickIntervalMs: number;
  /** How late the latest due slot may be and still run as on time; later is missed. */
  missedGraceMs?: number;
  metrics?: SchedulerMetrics;
}

export interface TickSummary {
  claimed: number;
  missed: number;
  overlapSkipped: number;
  reclaimed: number;
  startedQueued: number;
  /** When the next slot is due, if one is within the tick interval. */
  nextDueAt: Date | undefined;
}

const DEFAULT_MISSED_GRACE_MS = 30_000;
/** The loop never spins: even with a slot due now it waits this long between ticks. */
const MIN_SLEEP_MS = 2;

/**
 * Runs code-defined schedules on any number of replicas. A tick (1) reclaims leases nobody
 * renewed, (2) claims due slots with one compare-and-swap, applying the missed and overlap
 * policies, and (3) starts queued runs (run-now, retries). Runs go on in the background under
 * a renewed lease; the loop sleeps until the next due slot or the tick interval.
 */
export class ScheduleManager {
  private readonly jobs: Map<string, ScheduledJob>;
  private readonly timings: Map<string, ScheduleTiming>;
  private readonly ids: string[];
  private readonly graceMs: number;
  private readonly runner: GroupRunner;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private looping: Promise<void> | undefined;
  private stopped = false;
  private lastTick: Date | undefined;
  private tickFailing = false;

  constructor(private readonly options: ScheduleManagerOptions) {
    validateDefinitions(options.jobs.map((job) => job.definition));
    this.jobs = new Map(options.jobs.map((job) => [job.definition.name, job]));
    this.timings = new Map(options.jobs.map((job) => [job.definition.name, definitionTiming(job.definition)]));
    this.ids = [...this.jobs.keys()];
    this.graceMs = options.missedGraceMs ?? DEFAULT_MISSED_GRACE_MS;
    this.runner = new GroupRunner({
      sql: options.sql,
      logger: options.logger,
      clock: options.clock,
      instanceId: options.instanceId,
      jobs: this.jobs,
      timings: this.timings,
      leaseTimeoutMs: options.leaseTimeoutMs,
      metrics: options.metrics,
    });
  }

  /** When the loop last finished a tick (by the injected clock); readiness asks. */
  get lastTickAt(): Date | undefined {
    return this.lastTick;
  }

  /** Creates rows for new definitions and repairs enabled rows without a next run. */
  async syncDefinitions(): Promise<void> {
    const { sql, logger, clock } = this.options;
    const now = clock.now();
    for (const [name, job] of this.jobs) {
      const timing = this.timings.get(name) as ScheduleTiming;
      const next = timing.nextAfter(now);
      const outcome = await syncDefinition(sql, job.definition, timingExpression(job.definition), next, now);
      if (outcome === 'created') {
        logger.info(
          { event: 'schedule.created', schedule: name, enabled: job.definition.enabledByDefault },
          `schedule ${name} created`,
        );
      } else if (outcome === 'timing_changed') {
        logger.info(
          { event: 'schedule.timing.changed', schedule: name, cron: timing.expression },
          `schedule ${name} now runs on "${timing.expression}"`,
        );
      }
      if (await repairMissingNextRun(sql, name, next, now)) {
        logger.warn(
          { event: 'schedule.next_run.repaired', schedule: name, next_run_at: next },
          `schedule ${name} was enabled without a next run; set it to ${next.toISOString()}`,
        );
      }
    }
  }

  async start(): Promise<void> {
    await this.syncDefinitions();
    this.stopped = false;
    this.looping = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let sleepMs = this.options.tickIntervalMs;
      try {
        const summary = await this.tick();
        if (summary.nextDueAt !== undefined) {
          sleepMs = Math.min(sleepMs, summary.nextDueAt.getTime() - this.options.clock.now().getTime());
        }
        if (this.tickFailing) this.options.logger.info({ event: 'scheduler.tick.recovered' }, 'scheduler ticks again');
        this.tickFailing = false;
      } catch (err) {
        // One line when ticks start failing (database down), not one per tick.
        if (!this.tickFailing)
          this.options.logger.error(
            { event: 'scheduler.tick.failed', err },
            `scheduler tick failed: ${(err as Error).message}`,
          );
        this.tickFailing = true;
      }
      // stop() may have run during the tick's awaits (the loop condition's narrowing does not know).
      if (this.stopped as boolean) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, Math.max(MIN_SLEEP_MS, sleepMs));
      });
    }
  }

  /** One pass: reclaim, claim, start queued. Runs it starts go on in the background. */
  async tick(): Promise<TickSummary> {
    const { sql, clock, leaseTimeoutMs, instanceId, logger } = this.options;
    const now = clock.now();
    const state = await loadTickState(sql, now, new Date(now.getTime() - leaseTimeoutMs));
    const summary: TickSummary = {
      claimed: 0,
      missed: 0,
      overlapSkipped: 0,
      reclaimed: 0,
      startedQueued: 0,
      nextDueAt: state.nextDueAt,
    };
    const earlier = (at: Date) => {
      if (summary.nextDueAt === undefined || at < summary.nextDueAt) summary.nextDueAt = at;
    };

    for (const row of state.stale) {
      if (this.jobs.has(row.id) && (await this.reclaim(row, now))) summary.reclaimed += 1;
    }

    const claims: SlotClaim[] = [];
    const plans = new Map<string, DueSlotPlan>();
    for (const row of state.due) {
      const job = this.jobs.get(row.id);
      if (job === undefined) continue;
      const timing = this.timings.get(row.id) as ScheduleTiming;
      if (row.lock_token !== null) {
        if (await this.handleOverlap(row, timing, now)) summary.overlapSkipped += 1;
        continue;
      }
      const plan = planDueSlot(timing, job.definition.missedPolicy, row.next_run_at, now, this.graceMs);
      plans.set(row.id, plan);
      claims.push({
        id: row.id,
        expected: row.next_run_at,
        nextRunAt: plan.nextRunAt,
        ...(plan.runSlot === undefined ? {} : { run: { token: randomUUID(), slot: plan.runSlot } }),
      });
    }

    const toStart: LeasedRun[] = [];
    const { won, runs } = await retryOnceOnLockConflict(logger, 'claimSlots', () =>
      claimSlots(sql, claims, instanceId, now),
    );
    for (const id of won) {
      const plan = plans.get(id) as DueSlotPlan;
      if (plan.missed > 0) {
        summary.missed += plan.missed;
        this.reportMissed(id, plan, now);
      }
      earlier(plan.nextRunAt);
    }
    for (const run of runs) {
      summary.claimed += 1;
      this.options.metrics?.count('claimed', run.scheduleId);
      this.options.metrics?.lateness(run.scheduleId, now.getTime() - run.slot.getTime());
      logger.debug(
        {
          event: 'schedule.claimed',
          schedule: run.scheduleId,
          run_id: run.runId,
          scheduled_for: run.slot,
          late_ms: now.getTime() - run.slot.getTime(),
        },
        `claimed ${run.scheduleId} for ${run.slot.toISOString()}`,
      );
      toStart.push({ ...run, trigger: 'schedule', startedAt: now });
    }

    if (!this.stopped) {
      const picks = await retryOnceOnLockConflict(logger, 'pickQueuedRuns', () =>
        pickQueuedRuns(sql, this.ids, instanceId, now, randomUUID),
      );
      for (const pick of picks) {
        summary.startedQueued += 1;
        logger.info(
          { event: 'schedule.claimed', schedule: pick.scheduleId, run_id: pick.runId, trigger: pick.trigger },
          `claimed queued ${pick.trigger} run of ${pick.scheduleId}`,
        );
        toStart.push({
          scheduleId: pick.scheduleId,
          runId: pick.runId,
          token: pick.token,
          slot: pick.slot,
          trigger: pick.trigger,
          startedAt: now,
        });
      }
    }
    // Started once the tick's own queries are done, so the runs do not queue behind them for connections.
    for (const run of toStart) this.runner.start(run);
    this.lastTick = clock.now();
    return summary;
  }

  private reportMissed(id: string, plan: DueSlotPlan, now: Date): void {
    const policy = this.jobs.get(id)!.definition.missedPolicy;
    this.options.metrics?.count('missed', id, plan.missed);
    this.options.logger.warn(
      {
        event: 'schedule.missed',
        schedule: id,
        count: plan.missed,
        capped: plan.capped,
        policy,
        catch_up: plan.catchUp,
        next_run_at: plan.nextRunAt,
      },
      `${id} missed ${plan.missed}${plan.capped ? '+' : ''} slot(s) before ${now.toISOString()}; ${plan.catchUp ? 'running one catch-up' : 'running none of them'}`,
    );
  }

  /** A slot came while the previous run still holds the lease. */
  private async handleOverlap(
    row: Parameters<typeof skipOverlappedSlot>[1],
    timing: ScheduleTiming,
    now: Date,
  ): Promise<boolean> {
    const definition = this.jobs.get(row.id)!.definition;
    // buffer_one: the lease holder runs the slot once when it finishes (GroupRunner).
    if (definition.overlapPolicy === 'buffer_one') return false;
    const span = spanOfDueSlots(timing, row.next_run_at, now);
    const reason = `overlap_policy skip: the run under ${row.locked_by ?? 'another worker'} was still going`;
    const { sql, logger, instanceId } = this.options;
    const skipped = await retryOnceOnLockConflict(logger, 'skipOverlappedSlot', () =>
      skipOverlappedSlot(sql, row, span.next, instanceId, now, reason),
    );
    if (!skipped) return false;
    this.options.metrics?.count('overlap_skipped', row.id, span.count);
    this.options.logger.info(
      {
        event: 'schedule.overlap.skipped',
        schedule: row.id,
        count: span.count,
        scheduled_for: row.next_run_at,
        held_by: row.locked_by,
      },
      `${row.id}: skipped ${span.count} slot(s) while the previous run was still going`,
    );
    return true;
  }

  private async reclaim(row: Parameters<typeof reclaimLease>[1], now: Date): Promise<boolean> {
    const { sql, logger, instanceId } = this.options;
    const reclaimed = await retryOnceOnLockConflict(logger, 'reclaimLease', () =>
      reclaimLease(sql, row, instanceId, now),
    );
    if (reclaimed === undefined) return false;
    this.options.metrics?.count('lease_reclaimed', row.id);
    this.options.logger.warn(
      {
        event: 'schedule.lease.reclaimed',
        schedule: row.id,
        previous_worker: row.locked_by,
        locked_at: row.locked_at,
        failed_run_ids: reclaimed.failedRunIds,
        retry_run_id: reclaimed.retryRunId,
      },
      `reclaimed the lease on ${row.id} from ${row.locked_by ?? 'unknown'}`,
    );
    return true;
  }

  /** Waits for every run in flight (tests, after a tick). */
  async drain(): Promise<void> {
    await this.runner.drain();
  }

  /** Stops ticking, asks running jobs to stop, and waits for them to record how they ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    await this.looping;
    await this.runner.stopAll();
  }
}
