/** Response schemas of the deployment (operator) routes; snake_case, as in the tables. */
import { closedObject } from '../schemas.js';

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const nullableString = { type: ['string', 'null'] } as const;

export const scheduleSchema = closedObject({
  id: { type: 'string' },
  description: nullableString,
  defined: { type: 'boolean' },
  enabled: { type: 'boolean' },
  state: { type: 'string', enum: ['disabled', 'idle', 'running'] },
  cron: { type: 'string' },
  timezone: { type: 'string' },
  missed_policy: { type: 'string' },
  overlap_policy: { type: 'string' },
  depends_on: { type: 'array', items: { type: 'string' } },
  next_run_at: nullableDateTime,
  last_run_at: nullableDateTime,
  last_status: nullableString,
  locked_by: nullableString,
  locked_at: nullableDateTime,
  updated_at: dateTime,
});

export const jobRunSchema = closedObject({
  id: { type: 'string' },
  job_name: { type: 'string' },
  schedule_id: nullableString,
  trigger: { type: 'string' },
  status: { type: 'string' },
  scheduled_for: nullableDateTime,
  started_at: nullableDateTime,
  finished_at: nullableDateTime,
  worker_id: nullableString,
  error: nullableString,
  created_at: dateTime,
});

export const instanceSchema = closedObject({
  instance_id: { type: 'string' },
  role: { type: 'string' },
  version: { type: 'string' },
  schedulers_enabled: { type: 'boolean' },
  started_at: dateTime,
  last_beat_at: dateTime,
  stale: { type: 'boolean' },
});

export const scheduleIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;
