import type { Sql, TransactionSql } from '@nudge/db';
import { stateAfter, statesFrom, type AlertEvent } from '@nudge/domain';
import type { AlertEventKind, AlertRow } from './alert-row.js';

type Db = Sql | TransactionSql;

export interface AlertChange {
  alertId: string;
  event: AlertEvent;
  /** The timeline entry written with the change. */
  kind: AlertEventKind;
  detail?: Record<string, unknown>;
  /** Set acknowledged_at/acknowledged_via with an acknowledgement. */
  via?: AlertRow['acknowledged_via'];
  /** Set escalate_at (notify, or a further call attempt). */
  escalateAt?: Date | null;
  /** Limit the change to this user's alert. */
  userId?: string;
}

/**
 * Applies a lifecycle event and writes its timeline entry in one statement. The update only
 * touches a row whose state the event may leave (the domain's table), so concurrent writers
 * cannot move an alert backwards; undefined means nothing changed.
 */
export async function applyAlertEvent(sql: Db, change: AlertChange): Promise<AlertRow | undefined> {
  const from = statesFrom(change.event);
  const acknowledging = change.event === 'acknowledge';
  const [row] = await sql<AlertRow[]>`
    with changed as (
      update alerts set
        state = ${stateAfter(change.event)},
        updated_at = now(),
        acknowledged_at = case when ${acknowledging} then now() else acknowledged_at end,
        acknowledged_via = case when ${acknowledging} then ${change.via ?? null} else acknowledged_via end,
        escalate_at = case when ${change.escalateAt !== undefined} then ${change.escalateAt ?? null}::timestamptz else escalate_at end
      where id = ${change.alertId}
        and state in ${sql(from as string[])}
        and (${change.userId ?? null}::uuid is null or user_id = ${change.userId ?? null}::uuid)
      returning *
    ), logged as (
      insert into alert_events (alert_id, kind, detail)
      select id, ${change.kind}, ${sql.json((change.detail ?? {}) as never)} from changed
    )
    select * from changed`;
  return row;
}

/** A timeline entry that does not change the state (a push result, a call status). */
export async function recordAlertEvent(sql: Db, alertId: string, kind: AlertEventKind, detail: Record<string, unknown> = {}): Promise<void> {
  await sql`insert into alert_events (alert_id, kind, detail) values (${alertId}, ${kind}, ${sql.json(detail as never)})`;
}

/** Several timeline entries in one statement (the dispatcher writes one per alert of a batch). */
export async function recordAlertEvents(
  sql: Db,
  events: readonly { alert_id: string; kind: AlertEventKind; detail: Record<string, unknown> }[],
): Promise<void> {
  if (events.length === 0) return;
  await sql`
    insert into alert_events (alert_id, kind, detail)
    select (e->>'alert_id')::uuid, e->>'kind', e->'detail' from jsonb_array_elements(${sql.json(events as never)}) as e`;
}
