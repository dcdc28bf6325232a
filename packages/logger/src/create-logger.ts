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
  /**
   * Called for every error- and fatal-level line, with its fields and message: error counting
   * and error tracking hang here, so nothing that logs an error needs to know about them.
   */
  onError?: (line: ErrorLine) => void;
}

export interface ErrorLine {
  level: 'error' | 'fatal';
  event: string;
  message: string;
  err: Error | undefined;
  fields: Record<string, unknown>;
}

const ERROR_LEVEL = 50;

function errorLine(args: unknown[], level: number): ErrorLine {
  const [first, second] = args;
  const fields =
    typeof first === 'object' && first !== null && !(first instanceof Error) ? (first as Record<string, unknown>) : {};
  const err = first instanceof Error ? first : fields.err instanceof Error ? fields.err : undefined;
  const message = typeof first === 'string' ? first : typeof second === 'string' ? second : (err?.message ?? '');
  return {
    level: level >= 60 ? 'fatal' : 'error',
    event: typeof fields.event === 'string' ? fields.event : 'log',
    message,
    err,
    fields,
  };
}

export function createLogger(options: LoggerOptions): Logger {
  const usePretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  const destination =
    options.destination ??
    (usePretty ? pretty({ colorize: true, sync: true }) : pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, instance: options.instance },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Every line carries an event; a library's own lines (fastify's "listening") get a generic one.
      mixin: () => ({ event: 'log' }),
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      ...(options.onError === undefined
        ? {}
        : {
            hooks: {
              logMethod(args, method, level) {
                if (level >= ERROR_LEVEL) {
                  try {
                    options.onError?.(errorLine(args, level));
                  } catch {
                    // Reporting an error must never become one.
                  }
                }
                return method.apply(this, args);
              },
            },
          }),
    },
    destination,
  );
}
