import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import type { OpsAlerts } from './ops-alerts.js';

/** An ops_alerts row: one per condition an operator was told about, written only here. */
export interface OpsAlertRow {
  key: string;
  message: string;
  raised_at: Date;
  resolved_at: Date | null;
  last_notified_at: Date | null;
}

export interface SlackOpsAlertsOptions {
  sql: Sql;
  webhookUrl: string;
  logger: Logger;
  clock: Clock;
  /** A condition that clears and comes back within this time is the same incident: no new message. */
  renotifyAfterMs?: number;
  /** At most this many messages an hour, whatever happens: an outage sends a handful, not thousands. */
  maxPerHour?: number;
  /** Where the message says it comes from. */
  source: string;
}

/**
 * Slack incoming-webhook alerts, de-duplicated in Postgres (table ops_alerts) so that any number
 * of replicas, each noticing the same condition, send one message per incident.
 */
export function slackOpsAlerts(options: SlackOpsAlertsOptions): OpsAlerts {
  const { sql, logger, clock } = options;
  const renotifyAfterMs = options.renotifyAfterMs ?? 30 * 60_000;
  const maxPerHour = options.maxPerHour ?? 10;
  // Used when the database itself is what failed (migrations at start): best effort, per process.
  const notifiedHere = new Set<string>();

  async function post(key: string, text: string): Promise<void> {
    try {
      const response = await fetch(options.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `:rotating_light: *Nudge* (${options.source}): ${text}` }),
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) throw new Error(`Slack answered ${response.status}`);
      logger.info({ event: 'ops.alert.sent', key }, `operator alert sent: ${key}`);
    } catch (err) {
      logger.warn(
        { event: 'ops.alert.failed', key, reason: (err as Error).message },
        `could not send the operator alert ${key}`,
      );
    }
  }

  return {
    async raise(key, text) {
      const now = clock.now();
      let claimed: boolean;
      try {
        claimed = await sql.begin(async (tx) => {
          const [{ recent } = { recent: 0 }] = await tx<{ recent: number }[]>`
            select count(*)::int as recent from ops_alerts where last_notified_at > ${new Date(now.getTime() - 3_600_000)}`;
          const [row] = await tx<Pick<OpsAlertRow, 'key'>[]>`
            insert into ops_alerts (key, message, raised_at, last_notified_at)
            values (${key}, ${text}, ${now}, ${recent < maxPerHour ? now : null})
            on conflict (key) do update set
              message = excluded.message,
              raised_at = case when ops_alerts.resolved_at is null then ops_alerts.raised_at else excluded.raised_at end,
              resolved_at = null,
              last_notified_at = excluded.last_notified_at
            where excluded.last_notified_at is not null
              and (ops_alerts.last_notified_at is null or ops_alerts.last_notified_at < ${new Date(now.getTime() - renotifyAfterMs)})
            returning key`;
          if (recent >= maxPerHour && row === undefined) {
            await tx`update ops_alerts set message = ${text} where key = ${key}`;
          }
          return row !== undefined && recent < maxPerHour;
        });
      } catch {
        // The database is what is broken: still tell someone, once per process.
        claimed = !notifiedHere.has(key);
        notifiedHere.add(key);
      }
      if (claimed) await post(key, text);
    },
    async resolve(key) {
      const resolved = await sql`
        update ops_alerts set resolved_at = ${clock.now()} where key = ${key} and resolved_at is null returning key`.catch(
        () => [],
      );
      if (resolved.length > 0) logger.info({ event: 'ops.alert.resolved', key }, `operator alert resolved: ${key}`);
    },
  };
}
