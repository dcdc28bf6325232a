import type { PushConfig, WorkerConfig } from '@nudge/config';
import { PushEndpointPolicy, type ReadinessCheck, type RoleContext } from '@nudge/service';
import { Counter, Gauge } from 'prom-client';
import type { Clock } from '@nudge/domain';
import { registerAlertStateGauge } from '../metrics/alert-states.js';
import { Dispatcher } from './dispatcher.js';
import { VapidHeaders } from './vapid-headers.js';

/** The dispatcher as the worker runs it, with its metrics and its readiness check. */
export function createDispatcher(
  context: RoleContext<WorkerConfig>,
  push: PushConfig,
  clock: Clock,
): { dispatcher: Dispatcher; check: ReadinessCheck } {
  const { config, logger, sql, metrics } = context;
  registerAlertStateGauge(metrics.registry, sql);
  const dispatcher = new Dispatcher({
    sql,
    logger,
    clock,
    sender: {
      vapid: new VapidHeaders(push, clock),
      timeoutMs: config.dispatch.sendTimeoutMs,
      policy: new PushEndpointPolicy({ allowedHosts: push.endpointAllowedHosts }),
    },
    publicBaseUrl: config.publicBaseUrl,
    concurrency: config.dispatch.concurrency,
    perUserConcurrency: config.dispatch.perUserConcurrency,
    batchSize: config.dispatch.batchSize,
    staleProcessingMs: config.dispatch.staleProcessingMs,
    maxIdleMs: 30_000,
    checkinEnabled: config.flags.checkin,
    escalationEnabled: config.flags.escalation,
    pushResults: new Counter({
      name: 'nudge_push_deliveries_total',
      help: 'Web Push sends by result (sent, gone, retry, rejected) and HTTP status',
      labelNames: ['result', 'status_code'] as const,
      registers: [metrics.registry],
    }),
  });
  new Gauge({
    name: 'nudge_dispatcher_lag_seconds',
    help: "How long the oldest due alert had waited at the dispatcher's last look",
    registers: [metrics.registry],
    collect() {
      this.set(dispatcher.lagMs / 1000);
    },
  });
  const check: ReadinessCheck = {
    name: 'dispatcher',
    async run() {
      const last = dispatcher.lastLoopAt?.getTime() ?? 0;
      return clock.now().getTime() - last > 90_000 ? ['the alert dispatcher has not run for over 90 s'] : [];
    },
    // Being behind is reported, not "unready": restarting the worker would not help.
    detail: () => ({ lag_ms: dispatcher.lagMs }),
  };
  return { dispatcher, check };
}
