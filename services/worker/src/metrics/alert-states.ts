import type { Sql } from '@nudge/db';
import { ALERT_STATES } from '@nudge/domain';
import { Gauge, type Registry } from 'prom-client';

/**
 * `nudge_alerts{state}`: alerts due from a day ago to two weeks ahead, by state, counted when
 * Prometheus scrapes (one indexed query); a bounded window keeps the count cheap as history grows.
 */
export function registerAlertStateGauge(registry: Registry, sql: Sql): void {
  new Gauge({
    name: 'nudge_alerts',
    help: 'Alerts due from 24 h ago to 14 days ahead, by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const rows = await sql<{ state: string; count: number }[]>`
        select state, count(*)::int as count from alerts
        where due_at > now() - interval '1 day' and due_at < now() + interval '14 days'
        group by state`;
      const counts = new Map(rows.map((row) => [row.state, row.count]));
      for (const state of ALERT_STATES) this.set({ state }, counts.get(state) ?? 0);
    },
  });
}
