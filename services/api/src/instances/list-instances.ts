import type { Sql } from '@nudge/db';

/** A running process of any role, as its heartbeat in `service_heartbeats` describes it. */
export interface InstanceRow {
  instance_id: string;
  role: string;
  version: string;
  schedulers_enabled: boolean;
  started_at: Date;
  last_beat_at: Date;
}

/** Instances whose last heartbeat is at most `maxAgeSeconds` old; older rows are dead processes. */
export async function listLiveInstances(sql: Sql, maxAgeSeconds: number): Promise<InstanceRow[]> {
  return sql<InstanceRow[]>`
    select instance_id, role, version, schedulers_enabled, started_at, last_beat_at
    from service_heartbeats
    where last_beat_at > now() - make_interval(secs => ${maxAgeSeconds})
    order by role, instance_id`;
}
