export { parseWorkerConfig as parseEnv, type WorkerConfig } from '@nudge/config';
export { nudgeJobs, withHandlers } from './jobs/index.js';
export { ScheduleManager, type ScheduleManagerOptions, type TickSummary } from './schedules/schedule-manager.js';
export type { JobContext, JobHandler, ScheduledJob } from './schedules/scheduled-job.js';
export { createSchedulerMetrics, type SchedulerMetrics } from './schedules/scheduler-metrics.js';
export { buildWorker, type WorkerOverrides } from './worker.js';
export {
  CALENDAR_SYNC_JOB,
  calendarSyncDeps,
  calendarSyncJob,
  syncAllCalendars,
  type CalendarSyncDeps,
  type CalendarSyncOverrides,
  type CalendarTickSummary,
} from './jobs/calendar-sync.js';
export { createTwilioClient } from '@nudge/service/twilio';
export {
  createCalendarSubsystem,
  type CalendarSubsystem,
  type CalendarWorkerConfig,
} from './calendar/calendar-subsystem.js';
