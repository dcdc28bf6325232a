import { deleteFinishedDeliveries } from '@nudge/alerts';
import type { JobHandler } from '../schedules/scheduled-job.js';
import { deleteInBatches } from './delete-in-batches.js';

/** Finished deliveries are kept a week for support questions ("did my phone get it?"). */
export const DELIVERIES_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

export const deliveriesCleanup: JobHandler = async ({ sql, signal, now }) => {
  const cutoff = new Date(now().getTime() - DELIVERIES_KEPT_MS);
  const removed = await deleteInBatches((batchSize) => deleteFinishedDeliveries(sql, cutoff, batchSize), signal);
  return { removed, cutoff };
};
