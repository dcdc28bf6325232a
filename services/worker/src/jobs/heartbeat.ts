import type { JobHandler } from '../schedules/scheduled-job.js';

/**
 * Nothing to do: its succeeded job_runs row every interval is the proof that some replica's
 * scheduler claims and runs jobs (service_heartbeats already says each process is alive).
 */
export const heartbeat: JobHandler = async () => undefined;
