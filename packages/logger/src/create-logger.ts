import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear in a log line: credentials and personal
 * data must never reach the logs, whichever object carries them.
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...[
    'token',
    'access_token',
    'accessToken',
    'refresh_token',
    'refreshToken',
    'id_token',
    'password',
    'secret',
    'client_secret',
    'auth_token',
    'authToken',
    'phone',
    'phone_e164',
    'phoneE164',
    // Twilio's webhook form fields carry the callee and caller numbers.
    'To',
    'From',
    'Called',
    'Caller',
  ].flatMap((key) => [key, `*.${key}`]),
];

export interface LoggerOptions {
  service: string;
  instance: string;
  level?: string;
  /** Defaults to stdout; tests pass a stream to read the lines. */
  destination?: DestinationStream;
  /** Human-readable output; defaults to on only when stdout is a terminal. */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const usePretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  const destination =
    options.destination ?? (usePretty ? pretty({ colorize: true, sync: true }) : pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, instance: options.instance },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Every line carries an event; a library's own lines (fastify's "listening") get a generic one.
      mixin: () => ({ event: 'log' }),
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
