import type { Sql, TransactionSql } from '@nudge/db';

/** The only writes of users and organizations: creating them and a user's own changes. */

/** An organizations row. */
export interface OrganizationRow {
  id: string;
  name: string;
  created_at: Date;
}

/** A users row, as the API shows it. */
export interface UserRow {
  id: string;
  org_id: string;
  email: string;
  name: string;
  phone_e164: string | null;
  timezone: string;
  role: 'admin' | 'member';
  is_operator: boolean;
  created_at: Date;
}

const USER_COLUMNS = ['id', 'org_id', 'email', 'name', 'phone_e164', 'timezone', 'role', 'is_operator', 'created_at'] as const;

export async function insertOrganization(tx: TransactionSql, name: string): Promise<Pick<OrganizationRow, 'id'>> {
  const [org] = await tx<Pick<OrganizationRow, 'id'>[]>`insert into organizations (name) values (${name}) returning id`;
  return org!;
}

export type NewUserRow = Pick<UserRow, 'org_id' | 'email' | 'name' | 'phone_e164' | 'timezone' | 'role' | 'is_operator'>;

/** Fails with the users_org_email_key constraint when the organisation has the email already. */
export async function insertUser(tx: TransactionSql, user: NewUserRow): Promise<UserRow> {
  const [row] = await tx<UserRow[]>`
    insert into users (org_id, email, name, phone_e164, timezone, role, is_operator)
    values (${user.org_id}, ${user.email}, ${user.name}, ${user.phone_e164}, ${user.timezone}, ${user.role}, ${user.is_operator})
    returning ${tx(USER_COLUMNS)}`;
  return row!;
}

export interface UserChanges {
  name?: string;
  phone_e164?: string | null;
  timezone?: string;
}

export async function updateUser(sql: Sql, orgId: string, userId: string, changes: UserChanges): Promise<UserRow | undefined> {
  const columns = (Object.keys(changes) as (keyof UserChanges)[]).filter((key) => changes[key] !== undefined);
  const [row] = await sql<UserRow[]>`
    update users set ${sql(changes, columns)}
    where id = ${userId} and org_id = ${orgId}
    returning ${sql(USER_COLUMNS)}`;
  return row;
}
