/** Matches every key: a behaviour scripted for all users, endpoints or numbers at once. */
export const ANY = '*';

interface Entry<T> {
  value: T;
  remaining: number;
}

/**
 * Behaviours queued per key (a user, an endpoint, a phone number), each for a number of
 * requests or for good. A key's own queue is consulted before the `ANY` queue.
 */
export class ScriptedResponses<T> {
  private readonly queues = new Map<string, Entry<T>[]>();

  /** Answer the next `times` requests for `key` with `value` (Infinity: until cleared). */
  add(key: string, value: T, times = 1): void {
    const queue = this.queues.get(key) ?? [];
    queue.push({ value, remaining: times });
    this.queues.set(key, queue);
  }

  take(key: string): T | undefined {
    return this.takeFrom(key) ?? (key === ANY ? undefined : this.takeFrom(ANY));
  }

  clear(key?: string): void {
    if (key === undefined) this.queues.clear();
    else this.queues.delete(key);
  }

  private takeFrom(key: string): T | undefined {
    const queue = this.queues.get(key);
    const head = queue?.[0];
    if (queue === undefined || head === undefined) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.value;
  }
}
