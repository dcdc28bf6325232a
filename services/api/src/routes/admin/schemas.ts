/** Response schemas of the deployment (operator) routes; snake_case, as in the tables. */
import { closedObject, column, columns } from '../schemas.js';

export const scheduleSchema = closedObject({
  id: column.text,
  description: column.nullableText,
  ...columns(column.boolean, 'defined', 'enabled'),
  state: { type: 'string', enum: ['disabled', 'idle', 'running'] },
  ...columns(column.text, 'cron', 'timezone', 'missed_policy', 'overlap_policy'),
  depends_on: { type: 'array', items: column.text },
  ...columns(column.nullableDateTime, 'next_run_at', 'last_run_at'),
  ...columns(column.nullableText, 'last_status', 'locked_by'),
  locked_at: column.nullableDateTime,
  updated_at: column.dateTime,
});

export const jobRunSchema = closedObject({
  ...columns(column.text, 'id', 'job_name'),
  schedule_id: column.nullableText,
  ...columns(column.text, 'trigger', 'status'),
  ...columns(column.nullableDateTime, 'scheduled_for', 'started_at', 'finished_at'),
  ...columns(column.nullableText, 'worker_id', 'error'),
  created_at: column.dateTime,
});

export const instanceSchema = closedObject({
  ...columns(column.text, 'instance_id', 'role', 'version'),
  schedulers_enabled: column.boolean,
  ...columns(column.dateTime, 'started_at', 'last_beat_at'),
  stale: column.boolean,
});

export const scheduleIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;
