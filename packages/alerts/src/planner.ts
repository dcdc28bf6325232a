import type { Sql, TransactionSql } from '@nudge/db';
import { decideAlert, statesFrom } from '@nudge/domain';
import { applyAlertEvent, recordAlertEvent } from './alert-transitions.js';
import { loadRule, ruleSpec, type AlertRuleRow } from './rules.js';

/** Postgres NOTIFY channel: a planned alert due sooner than the dispatcher's next wake-up wakes it. */
export const ALERTS_PLANNED_CHANNEL = 'nudge_alerts_planned';

interface MeetingRow {
  id: string;
  user_id: string;
  title: string;
  starts_at: Date;
  status: 'confirmed' | 'cancelled';
  self_response: 'accepted' | 'declined' | 'tentative' | 'needsAction' | null;
  attendee_count: number;
  timezone: string;
}

export interface PlanResult {
  created: number;
  replanned: number;
  cancelled: number;
  unchanged: number;
}

/**
 * Plans the alerts of the given meetings: creates the missing ones (idempotent on
 * (meeting_id, rule_id)), moves a pending alert when its meeting moved, and cancels a pending
 * alert whose meeting no longer deserves one (cancelled, declined, or no longer matching).
 * Calendar sync hands it the meetings it changed; a rule change hands it the user's upcoming ones.
 */
export async function planAlerts(sql: Sql | TransactionSql, meetingIds: readonly string[], now: Date): Promise<PlanResult> {
  const result: PlanResult = { created: 0, replanned: 0, cancelled: 0, unchanged: 0 };
  if (meetingIds.length === 0) return result;
  const meetings = await sql<MeetingRow[]>`
    select m.id, m.user_id, m.title, m.starts_at, m.status, m.self_response, m.attendee_count, u.timezone
    from meetings m join users u on u.id = m.user_id
    where m.id in ${sql(meetingIds as string[])}`;
  const rules = new Map<string, AlertRuleRow>();
  let earliestDue: Date | undefined;

  for (const meeting of meetings) {
    let rule = rules.get(meeting.user_id);
    if (rule === undefined) {
      rule = await loadRule(sql, meeting.user_id);
      rules.set(meeting.user_id, rule);
    }
    const decision = decideAlert(
      ruleSpec(rule),
      {
        title: meeting.title,
        startsAt: meeting.starts_at,
        status: meeting.status,
        selfResponse: meeting.self_response,
        attendeeCount: meeting.attendee_count,
      },
      meeting.timezone,
    );
    const upcoming = meeting.starts_at.getTime() > now.getTime();

    if (!decision.alert || !upcoming) {
      const [pending] = await sql<{ id: string }[]>`
        select id from alerts where meeting_id = ${meeting.id} and rule_id = ${rule.id} and state in ${sql(statesFrom('cancel') as string[])}`;
      if (pending !== undefined && !decision.alert) {
        const cancelled = await applyAlertEvent(sql, { alertId: pending.id, event: 'cancel', kind: 'cancelled', detail: { reason: decision.reason } });
        if (cancelled !== undefined) result.cancelled += 1;
      } else {
        result.unchanged += 1;
      }
      continue;
    }

    // An alert whose lead time has already begun is due at once.
    const dueAt = new Date(Math.max(meeting.starts_at.getTime() - rule.lead_seconds * 1000, now.getTime()));
    const [row] = await sql<{ id: string; inserted: boolean; previous_due_at: Date | null; due_at: Date }[]>`
      with previous as (
        select id, due_at from alerts where meeting_id = ${meeting.id} and rule_id = ${rule.id}
      ), upserted as (
        insert into alerts (user_id, meeting_id, rule_id, due_at)
        values (${meeting.user_id}, ${meeting.id}, ${rule.id}, ${dueAt})
        on conflict (meeting_id, rule_id) do update
          set due_at = excluded.due_at, updated_at = now()
          where alerts.state = 'scheduled' and alerts.due_at <> excluded.due_at
        returning id, due_at, (xmax = 0) as inserted
      )
      select u.id, u.inserted, u.due_at, p.due_at as previous_due_at
      from upserted u left join previous p on p.id = u.id`;
    if (row === undefined) {
      result.unchanged += 1;
      continue;
    }
    if (row.inserted) {
      result.created += 1;
      await recordAlertEvent(sql, row.id, 'created', { due_at: row.due_at.toISOString(), meeting_starts_at: meeting.starts_at.toISOString() });
    } else {
      result.replanned += 1;
      await recordAlertEvent(sql, row.id, 'replanned', { from: row.previous_due_at?.toISOString() ?? null, to: row.due_at.toISOString() });
    }
    if (earliestDue === undefined || row.due_at < earliestDue) earliestDue = row.due_at;
  }

  if (earliestDue !== undefined) await sql`select pg_notify(${ALERTS_PLANNED_CHANNEL}, ${earliestDue.toISOString()})`;
  return result;
}

/** Re-plans every upcoming meeting of a user, e.g. after the rule changed. */
export async function planUpcomingForUser(sql: Sql, userId: string, now: Date): Promise<PlanResult> {
  const rows = await sql<{ id: string }[]>`select id from meetings where user_id = ${userId} and starts_at > ${now}`;
  return planAlerts(sql, rows.map((row) => row.id), now);
}
