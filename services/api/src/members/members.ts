import { cancel } from '@nudge/alerts';
import { closeUserChannels } from '@nudge/calendar';
import type { Sql, TransactionSql } from '@nudge/db';
import { statesFrom } from '@nudge/domain';
import { setUserDeactivated, setUserRole } from '../orgs/users.js';
import { endAllSessions } from '../sessions/session-store.js';

export interface MemberRow {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'member';
  is_operator: boolean;
  phone_e164: string | null;
  created_at: Date;
  deactivated_at: Date | null;
  signs_in_with_google: boolean;
}

export class MemberChangeRefused extends Error {}

export async function listMembers(sql: Sql, orgId: string): Promise<MemberRow[]> {
  return sql<MemberRow[]>`
    select id, email, name, role, is_operator, phone_e164, created_at, deactivated_at, google_sub is not null as signs_in_with_google
    from users where org_id = ${orgId} order by deactivated_at is not null, created_at`;
}

async function member(tx: Sql | TransactionSql, orgId: string, userId: string): Promise<MemberRow | undefined> {
  const [row] = await tx<MemberRow[]>`
    select id, email, name, role, is_operator, phone_e164, created_at, deactivated_at, google_sub is not null as signs_in_with_google
    from users where id = ${userId} and org_id = ${orgId} for update`;
  return row;
}

/** An organisation always keeps one active admin: nobody could invite or manage members otherwise. */
async function refuseLosingLastAdmin(tx: TransactionSql, orgId: string, userId: string): Promise<void> {
  // Locks the organisation's admins, so two admins demoting each other at once cannot both succeed.
  const admins = await tx<{ id: string }[]>`
    select id from users where org_id = ${orgId} and role = 'admin' and deactivated_at is null order by id for update`;
  if (admins.length === 1 && admins[0]!.id === userId)
    throw new MemberChangeRefused('this is the organisation’s last active admin; make someone else an admin first');
}

export async function changeRole(
  sql: Sql,
  orgId: string,
  userId: string,
  role: 'admin' | 'member' | undefined,
): Promise<MemberRow | undefined> {
  return sql.begin(async (tx) => {
    const current = await member(tx, orgId, userId);
    if (current === undefined || role === undefined) return current;
    if (current.role === 'admin' && role === 'member') await refuseLosingLastAdmin(tx, orgId, userId);
    await setUserRole(tx, userId, role);
    return { ...current, role };
  });
}

export interface Deactivation {
  member: MemberRow;
  endedSessions: number;
  cancelledAlerts: number;
}

/**
 * Deactivates a member: from the commit on, their sessions and API tokens are refused (the auth
 * plugin requires an active user), their sessions are deleted, their open alerts are cancelled
 * (so nobody is pushed or phoned for them), and the planner makes no new ones.
 */
export async function deactivateMember(
  sql: Sql,
  orgId: string,
  userId: string,
  byUserId: string,
  now: Date,
): Promise<Deactivation | undefined> {
  return sql.begin(async (tx) => {
    const current = await member(tx, orgId, userId);
    if (current === undefined) return undefined;
    if (userId === byUserId) throw new MemberChangeRefused('you cannot deactivate yourself; ask another admin');
    if (current.deactivated_at !== null) return { member: current, endedSessions: 0, cancelledAlerts: 0 };
    if (current.role === 'admin') await refuseLosingLastAdmin(tx, orgId, userId);
    const ended = await deactivate(tx, orgId, userId, now);
    return { member: { ...current, deactivated_at: now }, ...ended };
  });
}

/**
 * The deactivation itself, in the caller's transaction: the user is marked, their sessions end,
 * their calendar is no longer watched (Google's side of a channel lapses at its expiry), and
 * their open alerts are cancelled.
 */
async function deactivate(
  tx: TransactionSql,
  orgId: string,
  userId: string,
  now: Date,
): Promise<{ endedSessions: number; cancelledAlerts: number }> {
  await setUserDeactivated(tx, orgId, userId, now);
  const endedSessions = await endAllSessions(tx, userId);
  await closeUserChannels(tx, userId, 'user_deactivated', now);
  const open = await tx<
    { id: string }[]
  >`select id from alerts where user_id = ${userId} and state in ${tx(statesFrom('cancel') as string[])}`;
  let cancelledAlerts = 0;
  for (const alert of open) {
    if ((await cancel(tx, alert.id, 'user_deactivated')).applied) cancelledAlerts += 1;
  }
  return { endedSessions, cancelledAlerts };
}

export async function reactivateMember(sql: Sql, orgId: string, userId: string): Promise<MemberRow | undefined> {
  if (!(await setUserDeactivated(sql, orgId, userId, null))) return undefined;
  return member(sql, orgId, userId);
}

/** Deactivation by email (nudge-admin): every user with that email, in any organisation. */
export async function deactivateByEmail(
  sql: Sql,
  email: string,
  now: Date,
): Promise<{ userId: string; orgId: string; endedSessions: number; cancelledAlerts: number }[]> {
  const users = await sql<
    { id: string; org_id: string }[]
  >`select id, org_id from users where lower(email) = ${email.toLowerCase()}`;
  const results = [];
  for (const user of users) {
    // The operator is not a member of the organisation: the self and last-admin rules are theirs to weigh.
    const ended = await sql.begin((tx) => deactivate(tx, user.org_id, user.id, now));
    results.push({ userId: user.id, orgId: user.org_id, ...ended });
  }
  return results;
}
