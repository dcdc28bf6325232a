export { ConfigError } from './config-error.js';
export {
  assertDatabaseHostResolves,
  DatabaseHostError,
  DatabaseUrlError,
  parseDatabaseUrl,
  type DatabaseUrl,
} from './database-url.js';
export {
  readBool,
  readEnum,
  readInt,
  readInts,
  readRaw,
  readUrl,
  requireString,
  type Env,
  type IntVariable,
} from './env-reader.js';
export * from './accounts.js';
export * from './fragments.js';
export * from './calendar-channels.js';
export type { AllowedPushHost } from './push-endpoint-hosts.js';
export * from './roles.js';
export { checkConfig, type ConfigCheck } from './config-check.js';
export { resolveSecretFiles, SECRET_VARIABLES } from './secret-files.js';
