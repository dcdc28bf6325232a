/**
 * Writes send outcomes as they come, in batches: while one batch is being written the next
 * gathers, so a busy dispatcher makes a handful of statements per batch instead of per send,
 * and an idle one records each outcome at once.
 */
export class OutcomeRecorder<T> {
  private pending: T[] = [];
  private writing: Promise<void> | undefined;

  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly onError: (err: unknown, batch: T[]) => void,
  ) {}

  get backlog(): number {
    return this.pending.length;
  }

  add(item: T): void {
    this.pending.push(item);
    this.writing ??= this.writeAll();
  }

  /** Resolves once everything added so far is written (or reported as failed). */
  async drain(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private async writeAll(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.write(batch);
        } catch (err) {
          this.onError(err, batch);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
