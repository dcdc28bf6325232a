import { dueAlertBacklog } from '@nudge/alerts';
import type { Sql } from '@nudge/db';
import type { OpsAlerts, ServiceHeartbeatRow } from '@nudge/service';
import type { JobHandler } from '../schedules/scheduled-job.js';

/** The dispatcher is behind when the oldest due alert has waited this long. */
const DISPATCH_LAG_MS = 30_000;
/** A worker running the schedulers that has not beaten for this long is stale. */
const STALE_HEARTBEAT_MS = 5 * 60_000;
/** Calendar sync is failing when at least this many of the last 10 minutes' runs failed, and at least half. */
const SYNC_FAILURES = 5;

interface Finding {
  key: string;
  problem: string | undefined;
}

async function dispatcherLag(sql: Sql, now: Date): Promise<Finding> {
  const row = await dueAlertBacklog(sql, now);
  const lagMs = row.oldest === null ? 0 : now.getTime() - row.oldest.getTime();
  return {
    key: 'dispatcher.behind',
    problem:
      lagMs > DISPATCH_LAG_MS
        ? `the alert dispatcher is ${Math.round(lagMs / 1000)} s behind (${row.waiting} alerts waiting); is a worker with alerts enabled running?`
        : undefined,
  };
}

async function staleSchedulers(sql: Sql, now: Date): Promise<Finding> {
  const stale = await sql<Pick<ServiceHeartbeatRow, 'instance_id' | 'last_beat_at'>[]>`
    select instance_id, last_beat_at from service_heartbeats
    where role = 'worker' and schedulers_enabled and last_beat_at < ${new Date(now.getTime() - STALE_HEARTBEAT_MS)}
    order by instance_id`;
  return {
    key: 'scheduler.heartbeat.stale',
    problem:
      stale.length === 0
        ? undefined
        : `scheduler heartbeat stale: ${stale.map((s) => `${s.instance_id} (last beat ${s.last_beat_at.toISOString()})`).join(', ')}`,
  };
}

async function syncFailures(sql: Sql, now: Date): Promise<Finding> {
  const [row] = await sql<{ failed: number; total: number }[]>`
    select count(*) filter (where error is not null)::int as failed, count(*)::int as total
    from sync_runs where started_at > ${new Date(now.getTime() - 10 * 60_000)}`;
  const failed = row?.failed ?? 0;
  const total = row?.total ?? 0;
  return {
    key: 'calendar.sync.failing',
    problem:
      failed >= SYNC_FAILURES && failed * 2 >= total
        ? `calendar sync failing: ${failed} of ${total} user syncs failed in the last 10 minutes`
        : undefined,
  };
}

/**
 * Looks for the conditions operators must hear of before users do, raising each as an operator
 * alert while it holds and resolving it when it clears. It runs once per minute on one replica.
 */
export function opsMonitor(ops: OpsAlerts): JobHandler {
  return async ({ sql, now }) => {
    const at = now();
    const findings = await Promise.all([dispatcherLag(sql, at), staleSchedulers(sql, at), syncFailures(sql, at)]);
    for (const finding of findings) {
      if (finding.problem === undefined) await ops.resolve(finding.key);
      else await ops.raise(finding.key, finding.problem);
    }
    return { problems: findings.filter((f) => f.problem !== undefined).map((f) => f.key) };
  };
}
