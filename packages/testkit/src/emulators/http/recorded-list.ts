/**
 * What an emulator received, in order, with a way to wait for something to arrive: tests
 * await the event instead of sleeping, so they are fast and fail with a clear timeout.
 */
export class RecordedList<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves with the items once `ready(items)` holds; rejects after `timeoutMs`. */
  until(ready: (items: readonly T[]) => boolean, timeoutMs = 5_000): Promise<T[]> {
    if (ready(this.items)) return Promise.resolve([...this.items]);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!ready(this.items)) return;
        finish();
        resolve([...this.items]);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms; ${this.items.length} item(s) recorded`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  /** Resolves with the first item matching `match`, waiting for it if needed. */
  async first(match: (item: T) => boolean, timeoutMs?: number): Promise<T> {
    const items = await this.until((all) => all.some(match), timeoutMs);
    return items.find(match) as T;
  }

  clear(): void {
    this.items.length = 0;
  }
}
