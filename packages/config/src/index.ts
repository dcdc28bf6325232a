export { ConfigError } from './config-error.js';
export { readBool, readEnum, readInt, readRaw, readUrl, requireString, type Env } from './env-reader.js';
export * from './fragments.js';
export * from './calendar-channels.js';
export type { AllowedPushHost } from './push-endpoint-hosts.js';
export * from './roles.js';
