import type { JobHandler } from '../schedules/scheduled-job.js';

/**
 * Placeholder until the calendar-sync issue lands: the schedule, its lease and its job_runs
 * rows already work, so that issue only replaces this body. It deliberately logs nothing
 * beyond the manager's one line per run.
 */
export const calendarSync: JobHandler = async () => ({ placeholder: true });
