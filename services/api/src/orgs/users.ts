import type { Sql, TransactionSql } from '@nudge/db';

/**
 * The only writes of users and organizations: creating them, a user's own changes, and what
 * admins, sign-in and phone verification change on them.
 */

/** An organizations row. */
export interface OrganizationRow {
  id: string;
  name: string;
  created_at: Date;
  /** The Google Workspace domain whose accounts may join as members (sign-in), if any. */
  google_workspace_domain: string | null;
}

/** A users row, as the API shows it. */
export interface UserRow {
  id: string;
  org_id: string;
  email: string;
  name: string;
  phone_e164: string | null;
  /** When the owner proved they hold phone_e164; null until then. Only verified numbers are called. */
  phone_verified_at: Date | null;
  timezone: string;
  role: 'admin' | 'member';
  is_operator: boolean;
  created_at: Date;
}

/** What users has beyond what the API shows of a user. */
export interface UserAccountColumns {
  /** The Google account (OIDC `sub`) the user signs in with; null until the first sign-in. */
  google_sub: string | null;
  /** Set while the user is deactivated: no sign-in, no token, no alert. */
  deactivated_at: Date | null;
}

/** The columns of a UserRow, for queries that return one. */
export const USER_COLUMNS = [
  'id',
  'org_id',
  'email',
  'name',
  'phone_e164',
  'phone_verified_at',
  'timezone',
  'role',
  'is_operator',
  'created_at',
] as const;

export async function insertOrganization(tx: TransactionSql, name: string): Promise<Pick<OrganizationRow, 'id'>> {
  const [org] = await tx<Pick<OrganizationRow, 'id'>[]>`insert into organizations (name) values (${name}) returning id`;
  return org!;
}

export type NewUserRow = Pick<
  UserRow,
  'org_id' | 'email' | 'name' | 'phone_e164' | 'timezone' | 'role' | 'is_operator'
> &
  Partial<Pick<UserAccountColumns, 'google_sub'>>;

/** Fails with the users_org_email_key constraint when the organisation has the email already. */
export async function insertUser(tx: TransactionSql, user: NewUserRow): Promise<UserRow> {
  const [row] = await tx<UserRow[]>`
    insert into users (org_id, email, name, phone_e164, timezone, role, is_operator, google_sub)
    values (${user.org_id}, ${user.email}, ${user.name}, ${user.phone_e164}, ${user.timezone}, ${user.role}, ${user.is_operator}, ${user.google_sub ?? null})
    returning ${tx(USER_COLUMNS)}`;
  return row!;
}

/** Binds the Google account a user signs in with from now on. */
export async function bindGoogleAccount(tx: TransactionSql, userId: string, sub: string): Promise<void> {
  await tx`update users set google_sub = ${sub} where id = ${userId}`;
}

export async function setUserRole(tx: TransactionSql, userId: string, role: UserRow['role']): Promise<void> {
  await tx`update users set role = ${role} where id = ${userId}`;
}

/**
 * Deactivates (`at`) or reactivates (null) a user of the organisation; a user already deactivated
 * keeps the first time. False when the organisation has no such user.
 */
export async function setUserDeactivated(
  sql: Sql | TransactionSql,
  orgId: string,
  userId: string,
  at: Date | null,
): Promise<boolean> {
  const rows = await (sql as Sql)`
    update users set deactivated_at = case when ${at}::timestamptz is null then null else coalesce(deactivated_at, ${at}) end
    where id = ${userId} and org_id = ${orgId}`;
  return rows.count === 1;
}

/** The owner proved they hold their number: from now on it may be called. */
export async function markPhoneVerified(tx: TransactionSql, userId: string, at: Date): Promise<UserRow> {
  const [row] = await tx<UserRow[]>`
    update users set phone_verified_at = ${at} where id = ${userId}
    returning ${tx(USER_COLUMNS)}`;
  return row!;
}

/** Fails with the organizations_google_workspace_domain_key constraint when another organisation has the domain. */
export async function updateWorkspaceDomain(
  sql: Sql,
  orgId: string,
  domain: string | null,
): Promise<Pick<OrganizationRow, 'id' | 'name' | 'google_workspace_domain'> | undefined> {
  const [row] = await sql<Pick<OrganizationRow, 'id' | 'name' | 'google_workspace_domain'>[]>`
    update organizations set google_workspace_domain = ${domain} where id = ${orgId} returning id, name, google_workspace_domain`;
  return row;
}

export interface UserChanges {
  name?: string;
  phone_e164?: string | null;
  timezone?: string;
}

/** Applies the changes; a different phone number loses its verification in the same statement. */
export async function updateUser(
  sql: Sql,
  orgId: string,
  userId: string,
  changes: UserChanges,
): Promise<UserRow | undefined> {
  const columns = (Object.keys(changes) as (keyof UserChanges)[]).filter((key) => changes[key] !== undefined);
  const phoneChanges = changes.phone_e164 !== undefined;
  const [row] = await sql<UserRow[]>`
    update users set ${sql(changes, columns)},
      phone_verified_at = case when ${phoneChanges} and phone_e164 is distinct from ${changes.phone_e164 ?? null} then null else phone_verified_at end
    where id = ${userId} and org_id = ${orgId}
    returning ${sql(USER_COLUMNS)}`;
  return row;
}
