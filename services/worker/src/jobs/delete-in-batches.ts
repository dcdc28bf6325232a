/** Rows deleted per statement: short transactions that never hold many locks at once. */
export const CLEANUP_BATCH_SIZE = 1_000;

/**
 * Calls `deleteBatch` (which deletes at most `batchSize` rows and returns how many it did)
 * until a batch comes back short or the run is aborted. Returns the total removed.
 */
export async function deleteInBatches(
  deleteBatch: (batchSize: number) => Promise<number>,
  signal: AbortSignal,
  batchSize = CLEANUP_BATCH_SIZE,
): Promise<number> {
  let removed = 0;
  for (;;) {
    signal.throwIfAborted();
    const count = await deleteBatch(batchSize);
    removed += count;
    if (count < batchSize) return removed;
  }
}
