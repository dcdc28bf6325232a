import { randomUUID } from 'node:crypto';
import type { Sql } from '@nudge/db';
import { dependencyWaves, type Clock, type ScheduleTiming } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import type { ScheduledJob } from './scheduled-job.js';
import type { SchedulerMetrics } from './scheduler-metrics.js';
import {
  finishRun,
  insertRun,
  noteRejectedCompletion,
  releaseLease,
  renewLease,
  takeBufferedSlot,
  whileLeaseHeld,
  type RunTrigger,
} from '@nudge/schedules';

/** A run that holds its schedule's lease. */
export interface LeasedRun {
  scheduleId: string;
  runId: string;
  token: string;
  slot: Date | null;
  trigger: RunTrigger;
  startedAt: Date;
}

interface GroupRunnerOptions {
  sql: Sql;
  logger: Logger;
  clock: Clock;
  instanceId: string;
  jobs: ReadonlyMap<string, ScheduledJob>;
  timings: ReadonlyMap<string, ScheduleTiming>;
  leaseTimeoutMs: number;
  metrics: SchedulerMetrics | undefined;
}

type Outcome = { status: 'succeeded'; fields: Record<string, unknown> } | { status: 'failed'; error: string };

class RunTimeoutError extends Error {}

/**
 * Executes a leased run and the jobs that depend on it, in dependency waves, while renewing
 * the lease. Every write of an outcome is fenced by the lease token: after a reclaim, this
 * process's late results are rejected and recorded as such.
 */
export class GroupRunner {
  private readonly inFlight = new Map<string, { done: Promise<void>; controller: AbortController }>();
  private stopping = false;

  constructor(private readonly options: GroupRunnerOptions) {}

  start(run: LeasedRun): void {
    const controller = new AbortController();
    const done = this.runGroup(run, controller)
      .catch((err: unknown) => {
        this.options.logger.error(
          { event: 'schedule.run.crashed', schedule: run.scheduleId, run_id: run.runId, err },
          `run of ${run.scheduleId} crashed`,
        );
      })
      .finally(() => this.inFlight.delete(run.token));
    this.inFlight.set(run.token, { done, controller });
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()].map((entry) => entry.done));
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const { controller } of this.inFlight.values()) controller.abort(new Error('the worker is shutting down'));
    await this.drain();
  }

  private async runGroup(run: LeasedRun, controller: AbortController): Promise<void> {
    const { sql, clock, leaseTimeoutMs, logger } = this.options;
    let lost = false;
    const renewal = setInterval(
      () => {
        renewLease(sql, run.scheduleId, run.token, clock.now())
          .then((held) => {
            if (held || lost) return;
            lost = true;
            logger.warn(
              { event: 'schedule.lease.lost', schedule: run.scheduleId, run_id: run.runId },
              `lost the lease on ${run.scheduleId}; stopping its run`,
            );
            controller.abort(new Error('the lease was reclaimed by another worker'));
          })
          // A failed renewal is retried at the next interval; only a lease taken by another counts.
          .catch(() => undefined);
      },
      Math.max(50, Math.floor(leaseTimeoutMs / 3)),
    );
    try {
      const outcomes = new Map<string, Outcome['status'] | 'skipped'>();
      outcomes.set(run.scheduleId, await this.runJob(run.scheduleId, run.runId, run, controller.signal));
      for (const wave of dependencyWaves(
        run.scheduleId,
        [...this.options.jobs.values()].map((job) => job.definition),
      ).slice(1)) {
        if (controller.signal.aborted) break;
        await Promise.all(
          wave.map(async (name) => outcomes.set(name, await this.runDependent(name, run, outcomes, controller.signal))),
        );
      }
      clearInterval(renewal);
      await this.release(run, outcomes.get(run.scheduleId) ?? 'failed');
    } finally {
      clearInterval(renewal);
    }
  }

  /** A job of a group's later wave: skipped, with the reason, when a dependency did not succeed. */
  private async runDependent(
    name: string,
    group: LeasedRun,
    outcomes: ReadonlyMap<string, string>,
    signal: AbortSignal,
  ): Promise<Outcome['status'] | 'skipped'> {
    const { sql, clock, instanceId, logger } = this.options;
    const definition = this.options.jobs.get(name)!.definition;
    const blocker = definition.dependsOn.find((d) => outcomes.has(d) && outcomes.get(d) !== 'succeeded');
    const now = clock.now();
    if (blocker !== undefined) {
      const reason = `dependency ${blocker} ${outcomes.get(blocker) === 'failed' ? 'failed' : 'was skipped'}`;
      await insertRun(sql, {
        jobName: name,
        trigger: 'dependency',
        status: 'skipped',
        scheduledFor: group.slot,
        now,
        workerId: instanceId,
        error: reason,
      });
      logger.info(
        { event: 'schedule.run.skipped', schedule: name, group: group.scheduleId, reason },
        `${name} skipped: ${reason}`,
      );
      return 'skipped';
    }
    const runId = await insertRun(sql, {
      jobName: name,
      trigger: 'dependency',
      status: 'running',
      scheduledFor: group.slot,
      now,
      workerId: instanceId,
      token: group.token,
    });
    return this.runJob(name, runId, group, signal);
  }

  private async runJob(name: string, runId: string, group: LeasedRun, signal: AbortSignal): Promise<Outcome['status']> {
    const { sql, clock, logger, metrics } = this.options;
    const job = this.options.jobs.get(name)!;
    const started = performance.now();
    const outcome = await this.callHandler(job, runId, group, signal);
    const ms = Math.round(performance.now() - started);
    const now = clock.now();
    const written = await whileLeaseHeld(sql, group.scheduleId, group.token, (tx) =>
      finishRun(
        tx,
        runId,
        group.token,
        outcome.status === 'failed' ? { status: 'failed', error: outcome.error } : { status: 'succeeded' },
        now,
      ),
    );
    if (!written.held) {
      await noteRejectedCompletion(sql, runId, outcome.status, now);
      metrics?.count('completion_rejected', name);
      logger.warn(
        { event: 'schedule.completion.rejected', schedule: name, run_id: runId, status: outcome.status },
        `rejected the completion of run ${runId} of ${name}: its lease had been reclaimed`,
      );
      return 'failed';
    }
    metrics?.runFinished(name, outcome.status);
    const fields = {
      schedule: name,
      run_id: runId,
      trigger: runId === group.runId ? group.trigger : 'dependency',
      scheduled_for: group.slot,
      ms,
    };
    if (outcome.status === 'succeeded') {
      logger.info({ event: 'schedule.run.completed', ...fields, ...outcome.fields }, `${name} completed in ${ms} ms`);
    } else {
      logger.error(
        { event: 'schedule.run.failed', ...fields, error: outcome.error },
        `${name} failed: ${outcome.error}`,
      );
    }
    return outcome.status;
  }

  private async callHandler(job: ScheduledJob, runId: string, group: LeasedRun, signal: AbortSignal): Promise<Outcome> {
    const { definition, handler } = job;
    const timeout = new AbortController();
    const combined = AbortSignal.any([signal, timeout.signal]);
    const timer = new Promise<never>((_resolve, reject) => {
      const timeoutTimer = setTimeout(
        () => timeout.abort(new RunTimeoutError(`timed out after ${definition.timeoutMs} ms`)),
        definition.timeoutMs,
      );
      combined.addEventListener(
        'abort',
        () => {
          clearTimeout(timeoutTimer);
          reject(combined.reason);
        },
        { once: true },
      );
    });
    // Settles after the race when the handler wins; that rejection is expected, not unhandled.
    timer.catch(() => undefined);
    try {
      const fields = await Promise.race([
        handler({
          sql: this.options.sql,
          logger: this.options.logger.child({ schedule: definition.name, run_id: runId }),
          signal: combined,
          now: () => this.options.clock.now(),
          scheduledFor: group.slot,
          runId,
        }),
        timer,
      ]);
      return { status: 'succeeded', fields: fields ?? {} };
    } catch (err) {
      return { status: 'failed', error: err instanceof Error ? err.message : String(err) };
    } finally {
      timeout.abort();
    }
  }

  /** Frees the lease, or with `buffer_one` and a slot that came meanwhile, runs that slot once. */
  private async release(run: LeasedRun, status: string): Promise<void> {
    const { sql, clock, instanceId, logger } = this.options;
    const now = clock.now();
    const timing = this.options.timings.get(run.scheduleId)!;
    const nextToken = randomUUID();
    const released = await whileLeaseHeld(sql, run.scheduleId, run.token, async (tx) => {
      // A stopping worker starts nothing new; a buffered slot stays due for another replica.
      const buffered = this.stopping
        ? undefined
        : await takeBufferedSlot(
            tx,
            run.scheduleId,
            nextToken,
            (at) => timing.nextAfter(at),
            instanceId,
            { status, startedAt: run.startedAt },
            now,
          );
      if (buffered === undefined) await releaseLease(tx, run.scheduleId, status, run.startedAt, now);
      return buffered;
    });
    if (!released.held || released.value === undefined) return;
    logger.info(
      {
        event: 'schedule.overlap.buffered',
        schedule: run.scheduleId,
        run_id: released.value.runId,
        scheduled_for: released.value.slot,
      },
      `${run.scheduleId}: running the slot that came during the previous run`,
    );
    this.start({
      scheduleId: run.scheduleId,
      runId: released.value.runId,
      token: nextToken,
      slot: released.value.slot,
      trigger: 'schedule',
      startedAt: now,
    });
  }
}
