import type { JobHandler } from '../schedules/scheduled-job.js';
import { deleteInBatches } from './delete-in-batches.js';

export const checkinTokensCleanup: JobHandler = async ({ sql, signal, now }) => {
  const cutoff = now();
  const removed = await deleteInBatches(async (batchSize) => {
    const rows = await sql`
      delete from checkin_tokens
      where token_hash in (select token_hash from checkin_tokens where expires_at < ${cutoff} limit ${batchSize})
      returning 1`;
    return rows.length;
  }, signal);
  return { removed };
};
