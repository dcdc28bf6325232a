import type { Sql, SqlFragment, TransactionSql } from '@nudge/db';

/**
 * The only writer of processed_webhook_events, the ledger that makes a provider's retried
 * callback a no-op: the calls role records each event once, the worker drops old ones.
 */

/** A processed_webhook_events row. */
export interface ProcessedWebhookEventRow {
  provider: string;
  event_id: string;
  received_at: Date;
}

/** Records an event; false when it was recorded before (a retry). */
export async function recordWebhookEvent(
  tx: Sql | TransactionSql,
  provider: string,
  eventId: string,
): Promise<boolean> {
  const [fresh] = await tx`
    insert into processed_webhook_events (provider, event_id) values (${provider}, ${eventId})
    on conflict do nothing returning event_id`;
  return fresh !== undefined;
}

/**
 * The same as a statement to nest in a CTE, so a callback is recorded in the one round trip
 * that applies it: inserts only when `onlyIf` holds, and returns `event_id` when fresh.
 */
export function webhookEventInsert(
  sql: Sql | TransactionSql,
  provider: string,
  eventId: string,
  onlyIf: SqlFragment,
): SqlFragment {
  return sql`
      insert into processed_webhook_events (provider, event_id)
      select ${provider}, ${eventId} where ${onlyIf}
      on conflict do nothing
      returning event_id`;
}

/** Deletes at most `limit` events received before `cutoff`; returns how many it did. */
export async function deleteWebhookEventsBefore(sql: Sql, cutoff: Date, limit: number): Promise<number> {
  const rows = await sql`
    delete from processed_webhook_events
    where (provider, event_id) in (
      select provider, event_id from processed_webhook_events where received_at < ${cutoff} limit ${limit})
    returning 1`;
  return rows.length;
}
