import type { ErrorLine } from '@nudge/logger';
import { scrubValue } from './scrub.js';

export interface ErrorTracker {
  capture(line: ErrorLine): void;
  /** Sends what is queued; called on shutdown. */
  flush(timeoutMs: number): Promise<void>;
}

/**
 * Error-level lines go to Sentry through the official Node SDK, tagged with the role, instance
 * and release, with personal data scrubbed before anything leaves. Imported only when SENTRY_DSN
 * is set, so without it nothing about Sentry loads.
 */
export async function startSentry(options: {
  dsn: string;
  environment: string;
  role: string;
  instance: string;
  release: string;
}): Promise<ErrorTracker> {
  const Sentry = await import('@sentry/node');
  Sentry.init({
    dsn: options.dsn,
    environment: options.environment,
    release: options.release,
    serverName: options.instance,
    // Errors only: no tracing, no automatic instrumentation of modules.
    defaultIntegrations: false,
    integrations: [],
    tracesSampleRate: 0,
    initialScope: { tags: { role: options.role, instance: options.instance } },
    beforeSend: (event) => scrubValue(event),
    beforeBreadcrumb: () => null,
  });
  return {
    capture(line) {
      const context = {
        level: line.level,
        tags: { event: line.event },
        extra: { message: line.message, fields: line.fields },
      };
      if (line.err !== undefined) Sentry.captureException(line.err, context);
      else Sentry.captureMessage(`${line.event}: ${line.message}`, context);
    },
    async flush(timeoutMs) {
      await Sentry.flush(timeoutMs);
    },
  };
}
