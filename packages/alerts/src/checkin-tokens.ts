import { createHash, randomBytes } from 'node:crypto';
import type { Sql, TransactionSql } from '@nudge/db';
import type { AlertState } from '@nudge/domain';

type Db = Sql | TransactionSql;

export function hashCheckinToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A single-use token for the alert's check-in link; only its hash is stored. */
export async function issueCheckinToken(sql: Db, alertId: string, expiresAt: Date): Promise<string> {
  const tokens = await issueCheckinTokens(sql, [{ alertId, expiresAt }]);
  return tokens.get(alertId)!;
}

/** One token per alert, in one statement; returns alert id → token (the only place the token exists). */
export async function issueCheckinTokens(
  sql: Db,
  alerts: readonly { alertId: string; expiresAt: Date }[],
): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  if (alerts.length === 0) return tokens;
  const rows = alerts.map(({ alertId, expiresAt }) => {
    const token = randomBytes(24).toString('base64url');
    tokens.set(alertId, token);
    return { token_hash: hashCheckinToken(token), alert_id: alertId, expires_at: expiresAt };
  });
  await sql`insert into checkin_tokens ${sql(rows)}`;
  return tokens;
}

export interface CheckinView {
  alert_id: string;
  state: AlertState;
  title: string;
  starts_at: Date;
  timezone: string;
  expires_at: Date;
  used_at: Date | null;
}

/** What a check-in link shows, or undefined for an unknown or expired token. Reading changes nothing. */
export async function findCheckin(sql: Db, token: string, now: Date): Promise<CheckinView | undefined> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) return undefined;
  const [row] = await sql<CheckinView[]>`
    select c.alert_id, a.state, m.title, m.starts_at, u.timezone, c.expires_at, c.used_at
    from checkin_tokens c
    join alerts a on a.id = c.alert_id
    join meetings m on m.id = a.meeting_id
    join users u on u.id = a.user_id
    where c.token_hash = ${hashCheckinToken(token)} and c.expires_at > ${now}`;
  return row;
}

/** Marks the token used; true only for the one request that used it. */
export async function redeemCheckinToken(sql: Db, token: string, now: Date): Promise<string | undefined> {
  const [row] = await sql<{ alert_id: string }[]>`
    update checkin_tokens set used_at = ${now}
    where token_hash = ${hashCheckinToken(token)} and used_at is null and expires_at > ${now}
    returning alert_id`;
  return row?.alert_id;
}

/** Deletes up to `limit` expired tokens; returns how many (the cleanup job repeats until fewer). */
export async function deleteExpiredCheckinTokens(sql: Db, cutoff: Date, limit: number): Promise<number> {
  const rows = await sql`
    delete from checkin_tokens
    where token_hash in (select token_hash from checkin_tokens where expires_at < ${cutoff} limit ${limit})
    returning 1`;
  return rows.length;
}
