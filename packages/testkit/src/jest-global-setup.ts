import { prepareTemplateDatabase } from './test-database.js';

/** Runs once before all test files: the migrated template every test database is cloned from. */
export default async function globalSetup(): Promise<void> {
  await prepareTemplateDatabase();
}
