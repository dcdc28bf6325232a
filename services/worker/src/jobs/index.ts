import { SCHEDULE_DEFINITIONS, type ScheduleDefinition } from '@nudge/domain';
import type { JobHandler, ScheduledJob } from '../schedules/scheduled-job.js';
import { checkinTokensCleanup } from './checkin-tokens-cleanup.js';
import { deliveriesCleanup } from './deliveries-cleanup.js';
import { heartbeat } from './heartbeat.js';
import { opsMonitor } from './ops-monitor.js';
import type { OpsAlerts } from '@nudge/service';
import { webhookEventsCleanup } from './webhook-events-cleanup.js';

/** What job handlers need beyond the job context. */
export interface JobDependencies {
  ops: OpsAlerts;
  /** Absent when the calendar feature is off: the schedule then has nothing to do. */
  calendarSync?: JobHandler;
  /** Absent when the calendar feature is off. */
  calendarChannels?: JobHandler;
}

const nothingToDo: JobHandler = async () => ({ skipped: 'the feature is off' });

function handlers(deps: JobDependencies): Readonly<Record<string, JobHandler>> {
  return {
    'calendar-sync': deps.calendarSync ?? nothingToDo,
    'calendar-channels': deps.calendarChannels ?? nothingToDo,
    heartbeat,
    'ops-monitor': opsMonitor(deps.ops),
    'webhook-events-cleanup': webhookEventsCleanup,
    'deliveries-cleanup': deliveriesCleanup,
    'checkin-tokens-cleanup': checkinTokensCleanup,
  };
}

/** Pairs each definition with its handler; a definition without one is a programming error. */
export function withHandlers(
  definitions: readonly ScheduleDefinition[],
  handlers: Readonly<Record<string, JobHandler>>,
): ScheduledJob[] {
  return definitions.map((definition) => {
    const handler = handlers[definition.name];
    if (handler === undefined) throw new Error(`schedule "${definition.name}" has no handler`);
    return { definition, handler };
  });
}

/** Nudge's jobs: the shared definitions with the worker's handlers. */
export function nudgeJobs(deps: JobDependencies): ScheduledJob[] {
  return withHandlers(SCHEDULE_DEFINITIONS, handlers(deps));
}
