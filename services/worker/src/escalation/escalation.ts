import type { EscalationConfig, TwilioConfig } from '@nudge/config';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { createBreakerGauge, type OpsAlerts } from '@nudge/service';
import type { ReadinessCheck, Redis } from '@nudge/service';
import { Counter, Gauge, type Registry } from 'prom-client';
import { EscalationQueue } from './escalation-queue.js';
import { EscalationReconciler } from './escalation-reconciler.js';
import { fireEscalation } from './fire-escalation.js';
import { DEFAULT_MAX_TRIES, TwilioCalls } from './twilio-calls.js';
import { createTwilioClient } from '@nudge/service/twilio';

export interface EscalationDeps {
  sql: Sql;
  logger: Logger;
  clock: Clock;
  registry: Registry;
  /** Operator alerts (the breaker opening). */
  ops?: OpsAlerts;
  /** The fail-fast producer connection (also the readiness check's). */
  redis: Redis;
  redisUrl: string;
  twilio: TwilioConfig;
  callsPublicUrl: string;
  settings: EscalationConfig;
}

export interface Escalation {
  checks: ReadinessCheck[];
  start(): void;
  stop(): Promise<void>;
}

/**
 * The escalation subsystem: the BullMQ queue that fires each call attempt on time, the
 * reconciler that keeps it in line with Postgres, and the Twilio client behind a breaker.
 * The worker imports this module only when escalation is on.
 */
export function createEscalation(deps: EscalationDeps): Escalation {
  const { settings, logger } = deps;
  const breakerGauge = createBreakerGauge(deps.registry);
  breakerGauge.closed('twilio');
  const calls = new TwilioCalls({
    client: createTwilioClient(deps.twilio, settings.twilioRequestTimeoutMs),
    logger,
    breakerHalfOpenMs: settings.breakerHalfOpenMs,
    onBreakerChange: (open) => {
      if (open) {
        breakerGauge.opened('twilio');
        void deps.ops?.raise('breaker.twilio', 'the Twilio circuit breaker opened: escalation calls are paused');
      } else {
        breakerGauge.closed('twilio');
        void deps.ops?.resolve('breaker.twilio');
      }
    },
  });
  // Longer than any one attempt can take in its worker: every try timing out, plus backoff.
  const leaseMs = settings.twilioRequestTimeoutMs * (DEFAULT_MAX_TRIES + 1);
  const queue = new EscalationQueue({
    producer: deps.redis,
    redisUrl: deps.redisUrl,
    concurrency: settings.concurrency,
    logger,
  });
  const reconciler = new EscalationReconciler({
    sql: deps.sql,
    logger,
    clock: deps.clock,
    queue,
    intervalMs: settings.reconcileIntervalMs,
    leaseMs,
  });
  const outcomes = new Counter({
    name: 'nudge_call_attempts_total',
    help: 'Escalation call attempts by outcome (placed, reconciled, rejected, deferred, skipped)',
    labelNames: ['outcome'] as const,
    registers: [deps.registry],
  });
  new Gauge({
    name: 'nudge_escalation_queue_depth',
    help: 'Escalation jobs waiting, delayed or running',
    registers: [deps.registry],
    async collect() {
      this.set(await queue.depth().catch(() => Number.NaN));
    },
  });
  const fire = {
    sql: deps.sql,
    logger,
    clock: deps.clock,
    calls,
    fromNumber: deps.twilio.fromNumber,
    callsPublicUrl: deps.callsPublicUrl,
    ringTimeoutSeconds: settings.ringTimeoutSeconds,
    leaseMs,
    outcomes,
  };
  return {
    checks: [
      {
        name: 'escalation',
        async run() {
          const last = reconciler.lastTickAt?.getTime() ?? 0;
          return deps.clock.now().getTime() - last > Math.max(60_000, 10 * settings.reconcileIntervalMs)
            ? ['the escalation reconciler has not run lately']
            : [];
        },
      },
    ],
    start() {
      queue.start((ref) => fireEscalation(fire, ref));
      reconciler.start();
    },
    async stop() {
      await reconciler.stop();
      await queue.close();
    },
  };
}
