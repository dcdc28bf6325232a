export { parseWorkerConfig as parseEnv, type WorkerConfig } from '@nudge/config';
