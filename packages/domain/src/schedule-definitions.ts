import type { ScheduleDefinition } from './schedule-definition.js';

const MINUTE = 60_000;

/**
 * Nudge's periodic jobs (DESIGN §7). Only metadata lives here, so the api lists and previews
 * schedules without loading any job's dependencies; the worker pairs each with its handler.
 * Risky jobs (deletes) start disabled: an operator enables them.
 */
export const SCHEDULE_DEFINITIONS: readonly ScheduleDefinition[] = [
  {
    name: 'calendar-sync',
    description: 'Syncs every live Google Calendar credential',
    timing: { cron: '* * * * *' },
    timezone: 'UTC',
    missedPolicy: 'skip',
    overlapPolicy: 'skip',
    enabledByDefault: true,
    dependsOn: [],
    timeoutMs: 5 * MINUTE,
  },
  {
    name: 'heartbeat',
    description: 'Proves the scheduler loop claims and runs jobs; its job_runs rows are the proof',
    timing: { everyMs: MINUTE },
    timezone: 'UTC',
    missedPolicy: 'skip',
    overlapPolicy: 'skip',
    enabledByDefault: true,
    dependsOn: [],
    timeoutMs: MINUTE,
  },
  {
    name: 'webhook-events-cleanup',
    description: 'Deletes processed_webhook_events older than 24 hours',
    timing: { cron: '0 4 * * *' },
    timezone: 'UTC',
    missedPolicy: 'once',
    overlapPolicy: 'skip',
    enabledByDefault: false,
    dependsOn: [],
    timeoutMs: 30 * MINUTE,
  },
  {
    name: 'deliveries-cleanup',
    description: 'Deletes completed or failed deliveries older than 7 days',
    timing: { cron: '15 4 * * *' },
    timezone: 'UTC',
    missedPolicy: 'once',
    overlapPolicy: 'skip',
    enabledByDefault: false,
    dependsOn: [],
    timeoutMs: 30 * MINUTE,
  },
  {
    name: 'checkin-tokens-cleanup',
    description: 'Deletes expired check-in tokens',
    timing: { cron: '30 4 * * *' },
    timezone: 'UTC',
    missedPolicy: 'once',
    overlapPolicy: 'skip',
    enabledByDefault: false,
    dependsOn: [],
    timeoutMs: 30 * MINUTE,
  },
];
