/** Jest harness pieces: import only from test files (they register jest hooks). */
export { useTestDatabase } from './use-test-database.js';
export { useFixture } from './use-fixture.js';
