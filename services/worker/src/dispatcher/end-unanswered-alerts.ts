import { expireUnanswered } from '@nudge/alerts';
import type { Sql } from '@nudge/db';
import type { Logger } from '@nudge/logger';

/** Ends the alerts nobody acknowledged before their meeting started, with one log line. */
export async function endUnansweredAlerts(
  sql: Sql,
  logger: Logger,
  now: Date,
  options: { escalation: boolean } = { escalation: false },
): Promise<number> {
  const ended = await expireUnanswered(sql, now, options);
  if (ended.length > 0)
    logger.info(
      { event: 'alerts.expired', count: ended.length, failed: ended.filter((a) => a.state === 'failed').length },
      `${ended.length} unacknowledged alerts ended`,
    );
  return ended.length;
}
