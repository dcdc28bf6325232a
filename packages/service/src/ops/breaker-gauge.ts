import { Gauge, type Registry } from 'prom-client';

/** `nudge_circuit_breaker_open{provider}`: 1 while a provider's circuit breaker is open. */
export interface BreakerGauge {
  opened(provider: string): void;
  closed(provider: string): void;
}

const NAME = 'nudge_circuit_breaker_open';

/** One gauge per registry, shared by every provider's breaker. */
export function createBreakerGauge(registry: Registry): BreakerGauge {
  const gauge =
    (registry.getSingleMetric(NAME) as Gauge<'provider'> | undefined) ??
    new Gauge({
      name: NAME,
      help: '1 while the circuit breaker around a provider (google, twilio) is open',
      labelNames: ['provider'] as const,
      registers: [registry],
    });
  return { opened: (provider) => gauge.set({ provider }, 1), closed: (provider) => gauge.set({ provider }, 0) };
}
