import { afterAll, beforeAll } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@nudge/testkit';
import { startScheduleReplicas, stopScheduleReplicas, type ScheduleReplica } from './schedule-replicas.js';

export interface ReplicaTestBed {
  /** The test file's database (available from beforeAll on). */
  readonly db: TestDatabase;
  start(count: number, env?: Record<string, string>): Promise<ScheduleReplica[]>;
}

/**
 * For a test file of real replicas: a database, and the replicas a test starts on it, all
 * stopped and dropped after the file. Kept out of ./index.js: it registers jest hooks.
 */
export function replicaTestBed(): ReplicaTestBed {
  let db: TestDatabase | undefined;
  const started: ScheduleReplica[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await stopScheduleReplicas(started);
    await db?.drop();
  });
  return {
    get db() {
      if (db === undefined) throw new Error('the test database exists from beforeAll on');
      return db;
    },
    async start(count, env = {}) {
      const replicas = await startScheduleReplicas(this.db.url, count, env);
      started.push(...replicas);
      return replicas;
    },
  };
}
