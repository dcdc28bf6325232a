import type { Sql, TransactionSql } from '@nudge/db';
import type { AlertRow } from './alert-row.js';
import { applyAlertEvent } from './alert-transitions.js';
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
  input: { alertId: string; via: NonNullable<AlertRow['acknowledged_via']>; userId?: string; detail?: Record<string, unknown> },
): Promise<AcknowledgeOutcome> {
  const changed = await applyAlertEvent(sql, {
    alertId: input.alertId,
    event: 'acknowledge',
    kind: 'acknowledged',
    via: input.via,
    userId: input.userId,
    detail: { via: input.via, ...input.detail },
  });
  if (changed !== undefined) return { outcome: 'acknowledged', alert: changed };
  const [current] = await sql<AlertRow[]>`
    select * from alerts
    where id = ${input.alertId} and (${input.userId ?? null}::uuid is null or user_id = ${input.userId ?? null}::uuid)`;
  if (current === undefined) return { outcome: 'not_found' };
  return current.state === 'acknowledged' ? { outcome: 'already_acknowledged', alert: current } : { outcome: 'conflict', alert: current };
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
