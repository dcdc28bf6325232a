import type { Sql } from '@nudge/db';
import type { ScheduleDefinition } from '@nudge/domain';
import type { Logger } from '@nudge/logger';

export interface JobContext {
  sql: Sql;
  /** A child logger carrying the schedule and run id. */
  logger: Logger;
  /** Aborted on timeout, on a lost lease and on shutdown: stop between batches. */
  signal: AbortSignal;
  now(): Date;
  /** The slot this run is for; null for a run-now without one. */
  scheduledFor: Date | null;
  runId: string;
}

/**
 * What a job does. The fields it returns (e.g. `{ removed: 120 }`) go into the run's one
 * `schedule.run.completed` line.
 */
export type JobHandler = (context: JobContext) => Promise<Record<string, unknown> | void>;

export interface ScheduledJob {
  definition: ScheduleDefinition;
  handler: JobHandler;
}
