export { parseCallsConfig as parseEnv, type CallsConfig } from '@nudge/config';
