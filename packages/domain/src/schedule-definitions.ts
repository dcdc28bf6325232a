import { defineSchedule, type ScheduleDefinition } from './schedule-definition.js';

const MINUTE = 60_000;

/** A daily delete job: risky, so disabled until an operator enables it; a missed day catches up once. */
function cleanup(name: string, description: string, cron: string): ScheduleDefinition {
  return defineSchedule({ name, description, timing: { cron }, missedPolicy: 'once', timeoutMs: 30 * MINUTE });
}

/**
 * Nudge's periodic jobs (DESIGN §7). Only metadata lives here, so the api lists and previews
 * schedules without loading any job's dependencies; the worker pairs each with its handler.
 */
export const SCHEDULE_DEFINITIONS: readonly ScheduleDefinition[] = [
  defineSchedule({
    name: 'calendar-sync',
    description: 'Syncs every live Google Calendar credential',
    timing: { cron: '* * * * *' },
    enabledByDefault: true,
    timeoutMs: 5 * MINUTE,
  }),
  defineSchedule({
    name: 'calendar-channels',
    description:
      'Opens a Google push channel for every live credential, renews them before expiry and stops those that must end',
    timing: { everyMs: MINUTE },
    enabledByDefault: true,
    timeoutMs: 5 * MINUTE,
  }),
  defineSchedule({
    name: 'heartbeat',
    description: 'Proves the scheduler loop claims and runs jobs; its job_runs rows are the proof',
    timing: { everyMs: MINUTE },
    enabledByDefault: true,
  }),
  defineSchedule({
    name: 'ops-monitor',
    description: 'Raises operator alerts (Slack) for a lagging dispatcher, stale schedulers and failing calendar syncs',
    timing: { everyMs: MINUTE },
    enabledByDefault: true,
  }),
  cleanup('webhook-events-cleanup', 'Deletes processed_webhook_events older than 24 hours', '0 4 * * *'),
  cleanup('deliveries-cleanup', 'Deletes completed or failed deliveries older than 7 days', '15 4 * * *'),
  cleanup('checkin-tokens-cleanup', 'Deletes expired check-in tokens', '30 4 * * *'),
];
