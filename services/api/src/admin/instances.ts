import type { Sql } from '@nudge/db';
import type { ServiceHeartbeatRow } from '@nudge/service';

/** An instance whose last beat is older than this is stale (heartbeats come every 15 s). */
export const STALE_AFTER_MS = 5 * 60 * 1000;

export type InstanceView = ServiceHeartbeatRow & { stale: boolean };

export async function listInstances(sql: Sql, now: Date, staleAfterMs = STALE_AFTER_MS): Promise<InstanceView[]> {
  return sql<InstanceView[]>`
    select instance_id, role, version, schedulers_enabled, started_at, last_beat_at,
           last_beat_at < ${new Date(now.getTime() - staleAfterMs)} as stale
    from service_heartbeats order by role, instance_id`;
}
