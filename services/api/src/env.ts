export { parseApiConfig as parseEnv, type ApiConfig } from '@nudge/config';
