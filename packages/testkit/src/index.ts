export { ConnectionCounter } from './connection-counter.js';
export { freePort } from './free-port.js';
export { ManualClock } from './manual-clock.js';
export { capturingLogger } from './log-capture.js';
export { escalationEnv, roleEnv, vapidKeyPair } from './role-env.js';
export { REPO_ROOT, roleEntry, RoleProcess, waitForHttpOk, type LogLine, type RoleName } from './role-process.js';
export { createTestDatabase, prepareTemplateDatabase, TEST_SERVER_URL, type TestDatabase } from './test-database.js';
