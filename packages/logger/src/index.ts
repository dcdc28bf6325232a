export { createLogger, REDACTED_PATHS, type ErrorLine, type Logger, type LoggerOptions } from './create-logger.js';
