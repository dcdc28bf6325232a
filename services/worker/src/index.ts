export { buildWorker } from './worker.js';
export {
  CALENDAR_SYNC_JOB,
  calendarSyncDeps,
  calendarSyncJob,
  syncAllCalendars,
  type CalendarSyncDeps,
  type CalendarSyncOverrides,
  type TickSummary,
} from './jobs/calendar-sync.js';
