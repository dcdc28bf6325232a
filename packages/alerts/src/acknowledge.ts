import type { Sql, TransactionSql } from '@nudge/db';
import type { AcknowledgedVia } from '@nudge/domain';
import type { AlertRow } from './alert-row.js';
import { acknowledge } from './alert-transitions.js';
import { redeemCheckinToken } from './checkin-tokens.js';

export type AcknowledgeOutcome =
  | { outcome: 'acknowledged'; alert: AlertRow }
  | { outcome: 'already_acknowledged'; alert: AlertRow }
  | { outcome: 'conflict'; alert: AlertRow }
  | { outcome: 'not_found' };

/**
 * Acknowledges an alert; idempotent. An alert already acknowledged stays as it was; one that
 * was cancelled, expired or failed is a conflict. `userId` limits it to that user's alert.
 */
export async function acknowledgeAlert(
  sql: Sql | TransactionSql,
  input: { alertId: string; via: AcknowledgedVia; userId?: string; detail?: Record<string, unknown> },
): Promise<AcknowledgeOutcome> {
  const changed = await acknowledge(sql, input);
  if (changed.applied) return { outcome: 'acknowledged', alert: changed.alert };
  if (changed.reason === 'not_found') return { outcome: 'not_found' };
  const [current] = await sql<AlertRow[]>`select * from alerts where id = ${input.alertId}`;
  if (current === undefined) return { outcome: 'not_found' };
  return current.state === 'acknowledged'
    ? { outcome: 'already_acknowledged', alert: current }
    : { outcome: 'conflict', alert: current };
}

/**
 * A check-in link's button: redeems the token and acknowledges its alert (via push) in one
 * transaction, so a second press waits on the token's row lock until the first has committed
 * and then finds the alert acknowledged, never half-way.
 */
export async function checkInWithToken(sql: Sql, token: string, now: Date): Promise<void> {
  await sql.begin(async (tx) => {
    const alertId = await redeemCheckinToken(tx, token, now);
    if (alertId !== undefined) await acknowledgeAlert(tx, { alertId, via: 'push', detail: { source: 'checkin_link' } });
  });
}
