import type { Sql } from '@nudge/db';
import type { Logger } from '@nudge/logger';
import { runLoop } from './run-loop.js';

/** A service_heartbeats row: one per running process, written only here. */
export interface ServiceHeartbeatRow {
  instance_id: string;
  role: string;
  version: string;
  schedulers_enabled: boolean;
  started_at: Date;
  last_beat_at: Date;
}

export interface HeartbeatOptions {
  sql: Sql;
  logger: Logger;
  instanceId: string;
  role: string;
  version: string;
  schedulersEnabled: boolean;
  intervalMs: number;
}

export interface Heartbeat {
  /** Stops beating and removes this instance's row: a clean stop is not a stale instance. */
  stop(): Promise<void>;
}

/** Writes this process's row in `service_heartbeats` now and every `intervalMs`. */
export async function startHeartbeat(options: HeartbeatOptions): Promise<Heartbeat> {
  const { sql, logger, instanceId } = options;
  let failing = false;
  const beat = async () => {
    try {
      await sql`
        insert into service_heartbeats (instance_id, role, version, schedulers_enabled, started_at, last_beat_at)
        values (${instanceId}, ${options.role}, ${options.version}, ${options.schedulersEnabled}, now(), now())
        on conflict (instance_id) do update
          set role = excluded.role, version = excluded.version,
              schedulers_enabled = excluded.schedulers_enabled, last_beat_at = now()`;
      if (failing) logger.info({ event: 'heartbeat.recovered' }, 'heartbeat written again');
      failing = false;
    } catch (err) {
      // One line when it starts failing, not one per beat.
      if (!failing) logger.warn({ event: 'heartbeat.failed', err }, 'could not write the heartbeat');
      failing = true;
    }
  };
  await beat();
  const loop = runLoop({
    round: async () => {
      await beat();
      return options.intervalMs;
    },
    // beat() reports its own failures.
    onError: () => undefined,
    backoffMs: () => options.intervalMs,
    firstDelayMs: options.intervalMs,
  });
  return {
    async stop() {
      await loop.stop();
      await sql`delete from service_heartbeats where instance_id = ${instanceId}`.catch(() => undefined);
    },
  };
}
