import { describe, expect, it } from '@jest/globals';
import { FairSendPool } from './fair-send-pool.js';

interface Task {
  user: string;
  name: string;
}

/** A pool whose tasks run until the test ends them by name. */
function controlledPool(concurrency: number, perKey: number) {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const pool = new FairSendPool<Task>({
    concurrency,
    perKey,
    keyOf: (task) => task.user,
    run: (task) =>
      new Promise<void>((resolve) => {
        started.push(task.name);
        finishers.set(task.name, resolve);
      }),
  });
  const finish = async (name: string) => {
    finishers.get(name)!();
    // Let the pool's continuation run.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { pool, started, finish };
}

const tasks = (user: string, count: number): Task[] =>
  Array.from({ length: count }, (_, i) => ({ user, name: `${user}${i + 1}` }));

describe('fair send pool', () => {
  it('frees a slot as soon as its own task ends, while slower tasks still run', async () => {
    const { pool, started, finish } = controlledPool(2, 10);
    pool.add([...tasks('a', 1), ...tasks('b', 1), ...tasks('c', 1)]);
    expect(started).toEqual(['a1', 'b1']);
    await finish('b1');
    // a1 is still running: c1 took b1's slot without waiting for it.
    expect(started).toEqual(['a1', 'b1', 'c1']);
    expect(pool.inFlight).toBe(2);
  });

  it('runs at most perKey tasks of one key at once and gives the other slots to other keys, in turn', async () => {
    const { pool, started, finish } = controlledPool(8, 2);
    pool.add(tasks('hog', 50));
    pool.add([...tasks('x', 2), ...tasks('y', 2)]);
    expect(started).toEqual(['hog1', 'hog2', 'x1', 'y1', 'x2', 'y2']);
    expect(pool.queued).toBe(48);
    // The hog's queue is not waiting for slots: another key's work would start at once.
    expect(pool.waitingForSlots).toBe(0);
    pool.add(tasks('z', 1));
    expect(started.at(-1)).toBe('z1');
    await finish('hog1');
    expect(started.at(-1)).toBe('hog3');
    expect(pool.inFlight).toBe(7);
  });

  it('counts only the queued tasks a free slot could start', () => {
    const { pool } = controlledPool(1, 3);
    pool.add([...tasks('a', 10), ...tasks('b', 1)]);
    // a1 runs; a2 and a3 may start (a's limit is 3), b1 too; a4… wait for a's own tasks.
    expect(pool.waitingForSlots).toBe(3);
    expect(pool.queued).toBe(10);
  });

  it('hands back the tasks that never started, and reports idle once the running ones end', async () => {
    const { pool, finish } = controlledPool(1, 1);
    pool.add(tasks('a', 3));
    const unstarted = pool.takeQueued();
    expect(unstarted.map((t) => t.name)).toEqual(['a2', 'a3']);
    let idle = false;
    const waiting = pool.idle().then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    await finish('a1');
    await waiting;
    expect(idle).toBe(true);
  });
});
