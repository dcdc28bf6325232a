/**
 * Group commit: items added while a batch is being written wait and go together in the next
 * one, up to `maxBatch`; with nothing in flight an item goes at once, alone. `add` settles when
 * its batch was written (or rejects with the batch's error).
 */
export class GroupCommit<T> {
  private pending: { item: T; settle: (error?: unknown) => void }[] = [];
  private writing = false;

  constructor(
    private readonly write: (batch: readonly T[]) => Promise<void>,
    private readonly maxBatch: number,
  ) {}

  add(item: T): Promise<void> {
    const done = new Promise<void>((resolve, reject) =>
      this.pending.push({ item, settle: (error) => (error === undefined ? resolve() : reject(error)) }),
    );
    if (!this.writing) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        await this.write(batch.map((entry) => entry.item));
        for (const entry of batch) entry.settle();
      } catch (error) {
        for (const entry of batch) entry.settle(error ?? new Error('the batch failed'));
      }
    }
    this.writing = false;
  }
}
