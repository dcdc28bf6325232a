import { afterAll, beforeAll } from '@jest/globals';

/**
 * What `start` makes, made before the enclosing `describe`'s (or file's) tests and given to `stop`
 * after them. The handle reads through to it, so it is used as a `T` inside tests and hooks (and
 * in hooks registered after this one); touched before `start` has finished it says so.
 */
export function useFixture<T extends object>(
  start: () => Promise<T>,
  stop: (fixture: T) => Promise<void>,
  timeoutMs?: number,
): T {
  let current: T | undefined;
  beforeAll(async () => {
    current = await start();
  }, timeoutMs);
  afterAll(async () => {
    if (current !== undefined) await stop(current);
  });
  return new Proxy({} as T, {
    get(_target, key) {
      if (current === undefined) throw new Error(`${String(key)} exists only once the fixture has started`);
      return Reflect.get(current, key);
    },
  });
}
