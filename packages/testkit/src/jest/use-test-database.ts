import { afterAll, beforeAll } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../test-database.js';

/**
 * A fresh test database for the enclosing `describe` (or file): created before its tests, dropped
 * after them. The handle reads through to that database, so it is used as a `TestDatabase` inside
 * tests and hooks; touched outside them it says so.
 */
export function useTestDatabase(options: { migrated?: boolean } = {}): TestDatabase {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase(options);
  });
  afterAll(async () => {
    await current?.drop();
  });
  const live = (): TestDatabase => {
    if (!current) throw new Error('the test database exists only inside tests and their hooks');
    return current;
  };
  return {
    get name() {
      return live().name;
    },
    get url() {
      return live().url;
    },
    get sql() {
      return live().sql;
    },
    drop: () => live().drop(),
  };
}
