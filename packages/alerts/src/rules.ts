import type { Sql, TransactionSql } from '@nudge/db';
import type { QuietHours, RuleSpec } from '@nudge/domain';

type Db = Sql | TransactionSql;

export interface AlertRuleRow {
  id: string;
  user_id: string;
  lead_seconds: number;
  escalate_after_seconds: number;
  max_call_attempts: number;
  call_retry_seconds: number;
  only_accepted: boolean;
  min_attendees: number;
  title_keywords: string[];
  quiet_hours: QuietHours | null;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export type AlertRuleSettings = Omit<AlertRuleRow, 'id' | 'user_id' | 'created_at' | 'updated_at'>;

/** The rule of a user who never saved one: the column defaults of alert_rules (a test holds them equal). */
export const DEFAULT_RULE_SETTINGS: Readonly<AlertRuleSettings> = Object.freeze({
  lead_seconds: 600,
  escalate_after_seconds: 180,
  max_call_attempts: 2,
  call_retry_seconds: 120,
  only_accepted: true,
  min_attendees: 0,
  title_keywords: [],
  quiet_hours: null,
  enabled: true,
});

/** The user's stored rule, if they have one; reads only. */
export async function findRule(sql: Db, userId: string): Promise<AlertRuleRow | undefined> {
  const [row] = await sql<AlertRuleRow[]>`select * from alert_rules where user_id = ${userId}`;
  return row;
}

/** Stores the default rule of each of these users who has none yet. */
export async function storeDefaultRules(sql: Db, userIds: readonly string[]): Promise<void> {
  await sql`insert into alert_rules (user_id) select unnest(${userIds as string[]}::uuid[]) on conflict (user_id) do nothing`;
}

/** The user's rule; a user who never set one gets the defaults, stored on first use. */
export async function loadRule(sql: Db, userId: string): Promise<AlertRuleRow> {
  const [created] = await sql<AlertRuleRow[]>`
    insert into alert_rules (user_id) values (${userId})
    on conflict (user_id) do nothing
    returning *`;
  if (created !== undefined) return created;
  const [existing] = await sql<AlertRuleRow[]>`select * from alert_rules where user_id = ${userId}`;
  if (existing === undefined) throw new Error(`no alert rule for user ${userId}`);
  return existing;
}

export async function saveRule(sql: Db, userId: string, settings: AlertRuleSettings): Promise<AlertRuleRow> {
  const [row] = await sql<AlertRuleRow[]>`
    insert into alert_rules ${sql({ user_id: userId, ...settings, quiet_hours: settings.quiet_hours === null ? null : sql.json(settings.quiet_hours as never) } as never)}
    on conflict (user_id) do update set
      lead_seconds = excluded.lead_seconds,
      escalate_after_seconds = excluded.escalate_after_seconds,
      max_call_attempts = excluded.max_call_attempts,
      call_retry_seconds = excluded.call_retry_seconds,
      only_accepted = excluded.only_accepted,
      min_attendees = excluded.min_attendees,
      title_keywords = excluded.title_keywords,
      quiet_hours = excluded.quiet_hours,
      enabled = excluded.enabled,
      updated_at = now()
    returning *`;
  return row!;
}

export function ruleSpec(row: AlertRuleRow): RuleSpec {
  return {
    enabled: row.enabled,
    onlyAccepted: row.only_accepted,
    minAttendees: row.min_attendees,
    titleKeywords: row.title_keywords,
    quietHours: row.quiet_hours,
  };
}
