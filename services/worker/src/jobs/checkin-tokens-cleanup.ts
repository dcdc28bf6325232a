import { deleteExpiredCheckinTokens } from '@nudge/alerts';
import type { JobHandler } from '../schedules/scheduled-job.js';
import { deleteInBatches } from './delete-in-batches.js';

export const checkinTokensCleanup: JobHandler = async ({ sql, signal, now }) => {
  const cutoff = now();
  const removed = await deleteInBatches((batchSize) => deleteExpiredCheckinTokens(sql, cutoff, batchSize), signal);
  return { removed };
};
