import type { MeetingRow } from '@nudge/alerts';
import type { Sql, TransactionSql } from '@nudge/db';
import type { CalendarWindow } from './calendar-window.js';
import type { PageChanges } from './meeting-changes.js';

export interface PageCounts {
  created: number;
  updated: number;
  cancelled: number;
  skipped: number;
  /** Meetings that changed: what the alert planner is handed. */
  changedIds: string[];
}

interface ChangedRow {
  skipped: number;
  id: string | null;
  inserted: boolean | null;
  status: string | null;
  previous_status: string | null;
}

/**
 * Applies one page in one statement: new and changed events are upserted (a row whose fields
 * are all unchanged is not touched, so it is neither counted nor re-planned), cancelled ones
 * flip their meeting to cancelled, and events outside the window only update meetings already
 * stored (a meeting moved away), never add one.
 */
export async function applyPage(sql: Sql, userId: string, calendarId: string, page: PageChanges): Promise<PageCounts> {
  const counts: PageCounts = { created: 0, updated: 0, cancelled: 0, skipped: page.unusable, changedIds: [] };
  if (page.rows.length === 0 && page.cancelledIds.length === 0) return counts;
  const rows = await sql<ChangedRow[]>`
    with incoming as (
      select * from jsonb_to_recordset(${sql.json(page.rows as never)}::jsonb) as i(
        external_id text, title text, starts_at timestamptz, ends_at timestamptz, status text, self_response text,
        attendee_count integer, conference_url text, provider_updated_at timestamptz, in_window boolean)
    ), previous as (
      select external_id, status from meetings
      where user_id = ${userId} and provider = 'google' and calendar_id = ${calendarId}
        and external_id in (select external_id from incoming union all select unnest(${page.cancelledIds}::text[]))
    ), upserted as (
      insert into meetings as m (user_id, provider, calendar_id, external_id, title, starts_at, ends_at, status,
                                 self_response, attendee_count, conference_url, provider_updated_at)
      select ${userId}, 'google', ${calendarId}, i.external_id, i.title, i.starts_at, i.ends_at, i.status,
             i.self_response, i.attendee_count, i.conference_url, i.provider_updated_at
      from incoming i
      where i.in_window or i.external_id in (select external_id from previous)
      on conflict (user_id, provider, calendar_id, external_id) do update set
        title = excluded.title, starts_at = excluded.starts_at, ends_at = excluded.ends_at, status = excluded.status,
        self_response = excluded.self_response, attendee_count = excluded.attendee_count,
        conference_url = excluded.conference_url, provider_updated_at = excluded.provider_updated_at, updated_at = now()
      where (m.title, m.starts_at, m.ends_at, m.status, m.self_response, m.attendee_count, m.conference_url)
            is distinct from
            (excluded.title, excluded.starts_at, excluded.ends_at, excluded.status, excluded.self_response,
             excluded.attendee_count, excluded.conference_url)
      returning m.id, m.external_id, m.status, (xmax = 0) as inserted
    ), cancelled as (
      update meetings set status = 'cancelled', updated_at = now()
      where user_id = ${userId} and provider = 'google' and calendar_id = ${calendarId}
        and external_id = any(${page.cancelledIds}::text[]) and status <> 'cancelled'
      returning id, external_id, status, false as inserted
    ), changed as (
      select u.id, u.inserted, u.status, p.status as previous_status from upserted u left join previous p using (external_id)
      union all
      select c.id, c.inserted, c.status, 'confirmed' from cancelled c
    ), ignored as (
      select ((select count(*) from incoming i where not i.in_window and i.external_id not in (select external_id from previous))
            + (select count(*) from unnest(${page.cancelledIds}::text[]) as x(external_id)
               where x.external_id not in (select external_id from previous)))::int as skipped
    )
    select ignored.skipped, changed.* from ignored left join changed on true`;
  for (const row of rows) {
    counts.skipped = page.unusable + row.skipped;
    if (row.id === null) continue;
    counts.changedIds.push(row.id);
    if (row.inserted === true) counts.created += 1;
    else if (row.status === 'cancelled' && row.previous_status !== 'cancelled') counts.cancelled += 1;
    else counts.updated += 1;
  }
  return counts;
}

/**
 * After a full listing: confirmed meetings in the window that Google no longer lists were
 * deleted while we were not looking (a stale sync token hides those deletions).
 */
export async function cancelUnlisted(
  sql: Sql | TransactionSql,
  userId: string,
  calendarId: string,
  window: CalendarWindow,
  listedIds: readonly string[],
): Promise<string[]> {
  const rows = await sql<Pick<MeetingRow, 'id'>[]>`
    update meetings set status = 'cancelled', updated_at = now()
    where user_id = ${userId} and provider = 'google' and calendar_id = ${calendarId} and status = 'confirmed'
      and starts_at < ${window.end} and ends_at > ${window.start}
      and not (external_id = any(${listedIds as string[]}::text[]))
    returning id`;
  return rows.map((row) => row.id);
}
