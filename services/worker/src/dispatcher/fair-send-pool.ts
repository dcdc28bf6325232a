/** A first-in first-out queue whose `shift` is O(1), however long it grows. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  drain(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}

export interface FairSendPoolOptions<T> {
  /** Tasks running at once. */
  concurrency: number;
  /** Tasks of one key (one user) running at once. */
  perKey: number;
  keyOf(item: T): string;
  run(item: T): Promise<void>;
  /** Called after each task ends, once the freed slot was handed on. */
  onTaskEnd?(): void;
}

/**
 * Runs tasks with at most `concurrency` at once and at most `perKey` of one key, taking keys in
 * turn. A slot frees as soon as its own task ends: nothing waits for a round to finish, and one
 * key's slow tasks can hold `perKey` slots, never the pool.
 */
export class FairSendPool<T> {
  private readonly queues = new Map<string, Fifo<T>>();
  private readonly running = new Map<string, number>();
  /** Keys with queued tasks that may start now, in turn order (each at most once). */
  private readonly ready = new Fifo<string>();
  private readonly inReady = new Set<string>();
  private active = 0;
  private queuedCount = 0;
  /** Queued tasks that could start were slots free: per key, at most its remaining per-key room. */
  private startable = 0;
  private readonly startableByKey = new Map<string, number>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly options: FairSendPoolOptions<T>) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.queuedCount;
  }

  /** Queued tasks held back only by the pool's size, not by their key's limit. */
  get waitingForSlots(): number {
    return this.startable;
  }

  add(items: Iterable<T>): void {
    for (const item of items) {
      const key = this.options.keyOf(item);
      let queue = this.queues.get(key);
      if (queue === undefined) {
        queue = new Fifo<T>();
        this.queues.set(key, queue);
      }
      queue.push(item);
      this.queuedCount += 1;
      this.settle(key);
    }
    this.pump();
  }

  /** Removes every task not started yet and returns them. */
  takeQueued(): T[] {
    const taken = [...this.queues.values()].flatMap((queue) => queue.drain());
    this.queues.clear();
    this.ready.drain();
    this.inReady.clear();
    this.startableByKey.clear();
    this.startable = 0;
    this.queuedCount = 0;
    return taken;
  }

  /** Resolves once no task runs and none is queued. */
  async idle(): Promise<void> {
    if (this.active === 0 && this.queuedCount === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.active < this.options.concurrency) {
      const key = this.ready.shift();
      if (key === undefined) return;
      this.inReady.delete(key);
      const queue = this.queues.get(key);
      const item = queue?.shift();
      if (queue === undefined || item === undefined) continue;
      if (queue.length === 0) this.queues.delete(key);
      this.queuedCount -= 1;
      this.active += 1;
      this.running.set(key, (this.running.get(key) ?? 0) + 1);
      this.settle(key);
      void this.start(key, item);
    }
  }

  private async start(key: string, item: T): Promise<void> {
    try {
      await this.options.run(item);
    } catch {
      // `run` reports its own failures; a throw must not leak the slot.
    } finally {
      this.active -= 1;
      const left = (this.running.get(key) ?? 1) - 1;
      if (left === 0) this.running.delete(key);
      else this.running.set(key, left);
      this.settle(key);
      this.pump();
      this.options.onTaskEnd?.();
      if (this.active === 0 && this.queuedCount === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Re-reckons one key after its queue or its running count changed; puts it in turn if it may start a task. */
  private settle(key: string): void {
    const queued = this.queues.get(key)?.length ?? 0;
    const room = this.options.perKey - (this.running.get(key) ?? 0);
    const startable = Math.max(0, Math.min(queued, room));
    this.startable += startable - (this.startableByKey.get(key) ?? 0);
    if (startable === 0) this.startableByKey.delete(key);
    else this.startableByKey.set(key, startable);
    if (startable > 0 && !this.inReady.has(key)) {
      this.inReady.add(key);
      this.ready.push(key);
    }
  }
}
