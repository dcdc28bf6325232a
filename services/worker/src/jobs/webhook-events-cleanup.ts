import { deleteWebhookEventsBefore } from '@nudge/alerts';
import type { JobHandler } from '../schedules/scheduled-job.js';
import { deleteInBatches } from './delete-in-batches.js';

/** Twilio retries a callback for well under a day; older dedupe keys are dead weight. */
export const WEBHOOK_EVENTS_KEPT_MS = 24 * 60 * 60 * 1000;

export const webhookEventsCleanup: JobHandler = async ({ sql, signal, now }) => {
  const cutoff = new Date(now().getTime() - WEBHOOK_EVENTS_KEPT_MS);
  const removed = await deleteInBatches((batchSize) => deleteWebhookEventsBefore(sql, cutoff, batchSize), signal);
  return { removed, cutoff };
};
