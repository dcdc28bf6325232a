import type { Sql } from '@nudge/db';
import { systemClock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { createMetrics } from '@nudge/service';
import { Counter } from 'prom-client';
import type { DispatcherOptions } from '../dispatcher/dispatcher.js';
import type { PushSenderOptions } from '../dispatcher/push-sender.js';

/** A dispatcher for tests on the real clock: small batches, fast retries; each test overrides what it is about. */
export function dispatcherOptions(
  deps: { sql: Sql; logger: Logger; sender: PushSenderOptions },
  overrides: Partial<DispatcherOptions> = {},
): DispatcherOptions {
  return {
    ...deps,
    clock: systemClock,
    publicBaseUrl: 'https://nudge.example.test',
    concurrency: 16,
    perUserConcurrency: 4,
    batchSize: 50,
    maxIdleMs: 30_000,
    staleProcessingMs: 120_000,
    retryBaseMs: 50,
    checkinEnabled: true,
    escalationEnabled: false,
    pushResults: new Counter({
      name: 'test_push_results',
      help: 'x',
      labelNames: ['result', 'status_code'] as const,
      registers: [createMetrics('worker').registry],
    }),
    ...overrides,
  };
}
