import type { Sql } from '@nudge/db';
import { listInstances, STALE_AFTER_MS, type InstanceView } from './instances.js';

export interface DeploymentHealth {
  ok: boolean;
  problems: string[];
  instances: InstanceView[];
}

/**
 * What `nudge-admin health` reports from service_heartbeats, for external monitors: every
 * instance that stopped beating is named, and a deployment with no live scheduler is unhealthy.
 */
export async function deploymentHealth(sql: Sql, now: Date, staleAfterMs = STALE_AFTER_MS): Promise<DeploymentHealth> {
  const instances = await listInstances(sql, now, staleAfterMs);
  const problems = instances
    .filter((i) => i.stale)
    .map(
      (i) =>
        `${i.role} ${i.instance_id} is stale: last beat ${i.last_beat_at.toISOString()} (${Math.round((now.getTime() - i.last_beat_at.getTime()) / 1000)} s ago)`,
    );
  if (!instances.some((i) => i.role === 'worker' && i.schedulers_enabled && !i.stale)) {
    problems.push('no live worker with schedulers enabled: periodic jobs are not running');
  }
  return { ok: problems.length === 0, problems, instances };
}
